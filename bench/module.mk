# bench/: make bench only, never make check.
BENCHES += $(BUILD)/bench/bench_pool

$(BUILD)/bench/bench_pool: $(BUILD)/bench/bench_pool.o $(TEST_HELPERS) $(PKCS11_LIBS)
	$(call link,$@,$^,$(PKCS11_LDLIBS) -ldl -lm)

BENCHES += $(BUILD)/bench/bench_canon
$(BUILD)/bench/bench_canon: $(BUILD)/bench/bench_canon.o $(BUILD)/tests/memsigner.o $(TUF_LIBS)
	$(call link,$@,$^,$(TUF_LDLIBS))
