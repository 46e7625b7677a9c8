/* tufctl ceremony sign, request, sign-request and import: the signatures
 * of a ceremony, made here or on an air-gapped machine (client/ceremony.h).
 *
 * REQ and RESP are the only things the two machines share:
 *
 *	REQ  {"format":"tufctl-ceremony-request","ceremony":ID,"signer":NAME,
 *	      "keyid":HEX,"profile":"tuf"|"notary","gun":STR?,"token":TOKEN|null?,
 *	      "root":"<the exact bytes>","prev_root":"<bytes>"|null,"sha256":HEX}
 *	RESP {"format":"tufctl-ceremony-response","ceremony":ID,"signer":NAME,
 *	      "sha256":HEX,"gun":STR,"token":TOKEN|null,
 *	      "signature":{"keyid":HEX,"sig":HEX(,"method":STR)}}
 *
 * exactly these members (no other is taken: nothing rides along unchecked).
 * The offline machine checks REQ against itself only (its hash, the root
 * it carries); DIR's machine checks RESP against DIR (the ceremony, the
 * bytes, the signer's key, the signature over the canonical bytes). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/ceremony.h"
#include "client/cmd_ceremony.h"
#include "client/files.h"
#include "client/transcript.h"
#include "client/tufctl.h"
#include "common/err.h"
#include "tuf/json.h"

/* getopt for "DIR --signer NAME [-o FILE]"-shaped commands: opt 's' or
 * 'k' (its long name), 'o' when out is not NULL. */
static int
parse(int argc, char **argv, const char *cmd, const char *lname, const char **val,
    const char **out)
{
	struct option opts[] = {
		{ lname, required_argument, NULL, 'v' },
		{ "output", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	char section[64];
	int ch;

	(void)snprintf(section, sizeof(section), "ceremony %s", cmd);
	if (out == NULL)
		opts[1] = (struct option){ NULL, 0, NULL, 0 };
	optind = 0;
	while ((ch = tufctl_getopt(argc, argv, out != NULL ? "o:" : "", opts,
		    tufctl_usage_of(cer_usage, section))) != -1) {
		if (ch == 'v')
			*val = optarg;
		else if (ch == 'o' && out != NULL)
			*out = optarg;
		else
			return tufctl_usage("ceremony", "unknown option or missing value");
	}
	if (optind != argc - 1 || *val == NULL || (out != NULL && *out == NULL))
		return tufctl_usage("ceremony", "%s takes one %s, --%s%s", cmd,
		    strcmp(cmd, "sign-request") == 0 ? "REQ" : "DIR", lname,
		    out != NULL ? " and -o FILE" : "");
	return TUFCTL_OK;
}

/* Opens DIR and its transcript, and finds signer. */
static int
open_signer(const char *cmd, const char *dir, const char *name, struct cer **c,
    struct tc_transcript **t, const json_t **s)
{
	struct tn_error e;

	*t = NULL;
	*s = NULL;
	if (cer_load(dir, c, &e) != 0)
		return cer_failed(cmd, &e);
	if (tc_open(dir, t, &e) != 0)
		return cer_failed(cmd, &e);
	if ((*s = cer_signer(*c, name)) == NULL)
		return tufctl_fail("ceremony %s: no signer '%s' in the plan", cmd, name);
	return TUFCTL_OK;
}

/* REQ and RESP are exact formats, so that nothing rides along unchecked. */
static const char *const req_members[] = { "format", "ceremony", "signer", "keyid", "root",
	"prev_root", "sha256", "profile", "gun", "token", NULL };
static const char *const resp_members[] = { "format", "ceremony", "signer", "sha256",
	"signature", "token", "gun", NULL };
static const char *const sig_members[] = { "keyid", "sig", "method", NULL };

static bool
recorded(const struct tc_transcript *t, const char *keyid)
{
	return tc_has(t, "sign", "keyid", keyid) || tc_has(t, "import", "keyid", keyid);
}

/* What a record says of the signer's attestation: the device and slot the
 * plan recorded, or "unattested".  A new reference. */
static json_t *
attestation_of(const json_t *signer)
{
	const json_t *a = json_object_get(signer, "attestation");

	if (!json_is_object(a))
		return json_string("unattested");
	return json_pack("{sOsO}", "serial", json_object_get(a, "serial"), "slot",
	    json_object_get(a, "slot"));
}

/* Adds a checked signature to DIR (sig NULL: it is there already), then
 * the transcript record of cmd ("sign" or "import"). */
static int
record(const char *cmd, struct cer *c, struct tc_transcript *t, const char *name,
    const char *keyid, const json_t *sig, const json_t *token)
{
	struct tn_error e;
	json_t *f;
	int r;

	if (cmd == NULL)
		cmd = "sign";
	if (sig != NULL && cer_add_sig(c, sig, &e) != 0)
		return cer_failed(cmd, &e);
	tn_test_crash(strcmp(cmd, "sign") == 0 ? "ceremony-sign" : "ceremony-import");
	f = json_pack("{sssssssssosO}", "ceremony", c->id, "signer", name, "keyid", keyid, "sha256",
	    c->sha256, "attestation", attestation_of(cer_signer(c, name)), "token",
	    token != NULL ? token : json_null());
	r = f == NULL ? tn_fail(&e, TA_ERR_NOMEM, "out of memory")
		      : tc_append(t, strcmp(cmd, "sign") == 0 ? "sign" : "import", f, time(NULL), &e);
	json_decref(f);
	return r != 0 ? cer_failed(cmd, &e) : TUFCTL_OK;
}

int
cer_cmd_sign(int argc, char **argv)
{
	const char *name = NULL, *keyid, *ref;
	struct cer *c = NULL;
	struct tc_transcript *t = NULL;
	struct tn_error e;
	const json_t *s;
	json_t *sig = NULL;
	int rc;

	if ((rc = parse(argc, argv, "sign", "signer", &name, NULL)) != TUFCTL_OK)
		return rc;
	if ((rc = open_signer("sign", argv[optind], name, &c, &t, &s)) != TUFCTL_OK)
		goto out;
	keyid = json_string_value(json_object_get(s, "keyid"));
	if (cer_has_sig(c, keyid)) {
		/* A run killed between signatures.json and the transcript left
		 * the signature without its record: this run writes it. */
		if (!recorded(t, keyid)) {
			if ((rc = record(NULL, c, t, name, keyid, NULL,
				 json_object_get(s, "token"))) != TUFCTL_OK)
				goto out;
			fprintf(tufctl_human(), "signer '%s' had signed; the transcript record is written now\n", name);
		} else {
			fprintf(tufctl_human(), "signer '%s' has signed already: nothing to do\n", name);
		}
		rc = tufctl_stdout_done();
		goto out;
	}
	/* A pubkey: signer's key is found in this agent by its key ID, if at all. */
	ref = json_string_value(json_object_get(s, "keyref"));
	if (strncmp(ref, "pubkey:", 7) == 0)
		ref = keyid;
	if (cer_token_check(json_object_get(s, "token"), name, &e) != 0) {
		rc = cer_failed("sign", &e);
		goto out;
	}
	if (cer_summary(tufctl_human(), c->root, c->prev, c->sha256) != 0) {
		rc = tufctl_fail("ceremony sign: cannot show the summary");
		goto out;
	}
	if (!cer_confirm(name)) {
		rc = tufctl_fail("ceremony sign: not confirmed with 'yes': nothing signed");
		goto out;
	}
	if (cer_agent_sign(c->profile == TA_PROFILE_NOTARY ? TA_PROTO_PROFILE_NOTARY :
								  TA_PROTO_PROFILE_TUF,
		cer_gun(c), ref, keyid, c->root_bytes, c->root_len, c->prev_bytes, c->prev_len, &sig,
		&e) != 0) {
		rc = cer_failed("sign", &e);
		goto out;
	}
	if (!cer_sig_valid(c->root, keyid, json_object_get(s, "key"), sig)) {
		rc = tufctl_fail("ceremony sign: the agent's signature does not verify");
		goto out;
	}
	if ((rc = record("sign", c, t, name, keyid, sig, json_object_get(s, "token"))) != TUFCTL_OK)
		goto out;
	fprintf(tufctl_human(), "signed by '%s' (key %s)\n", name, keyid);
	rc = tufctl_stdout_done();
out:
	json_decref(sig);
	tc_close(t);
	cer_free(c);
	return rc;
}

int
cer_cmd_request(int argc, char **argv)
{
	const char *name = NULL, *out = NULL;
	struct cer *c = NULL;
	struct tc_transcript *t = NULL;
	struct tn_error e;
	const json_t *s;
	json_t *req = NULL, *f = NULL;
	int rc;

	if ((rc = parse(argc, argv, "request", "signer", &name, &out)) != TUFCTL_OK)
		return rc;
	if ((rc = open_signer("request", argv[optind], name, &c, &t, &s)) != TUFCTL_OK)
		goto out;
	req = json_pack("{sssssssOss#so}", "format", "tufctl-ceremony-request", "ceremony", c->id,
	    "signer", name, "keyid", json_object_get(s, "keyid"), "root",
	    (const char *)c->root_bytes, c->root_len, "prev_root",
	    c->prev_bytes != NULL ? json_stringn((const char *)c->prev_bytes, c->prev_len)
				  : json_null());
	if (req == NULL || json_object_set_new(req, "sha256", json_string(c->sha256)) != 0 ||
	    json_object_set_new(req, "profile", json_string(ta_profile_name(c->profile))) != 0 ||
	    (cer_gun(c)[0] != '\0' && json_object_set_new(req, "gun", json_string(cer_gun(c))) != 0) ||
	    (json_is_object(json_object_get(s, "token")) &&
		json_object_set(req, "token", json_object_get(s, "token")) != 0)) {
		rc = tufctl_fail("ceremony request: out of memory");
		goto out;
	}
	if (tn_write_json(out, req, &e) != 0) {
		rc = cer_failed("request", &e);
		goto out;
	}
	tn_test_crash("ceremony-request");
	/* For the record: which request left the room, and for whom. */
	f = json_pack("{sssssOss}", "ceremony", c->id, "signer", name, "keyid",
	    json_object_get(s, "keyid"), "sha256", c->sha256);
	if (f == NULL || tc_append(t, "request", f, time(NULL), &e) != 0) {
		rc = f == NULL ? tufctl_fail("ceremony request: out of memory") : cer_failed("request", &e);
		goto out;
	}
	fprintf(tufctl_human(), "request for '%s' written to %s\n", name, out);
	rc = tufctl_stdout_done();
out:
	json_decref(f);
	json_decref(req);
	tc_close(t);
	cer_free(c);
	return rc;
}

/* A string member of o that is 64 lower-case hex. */
static const char *
hex64(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	if (s == NULL || strlen(s) != 64 || strspn(s, "0123456789abcdef") != 64)
		return NULL;
	return s;
}

int
cer_cmd_sign_request(int argc, char **argv)
{
	const char *key = NULL, *out = NULL, *keyid, *want, *id, *name;
	struct ta_meta *root = NULL, *prev = NULL;
	struct ta_json_error je;
	struct tn_error e;
	const json_t *pv, *k;
	json_t *req = NULL, *sig = NULL, *resp = NULL, *tok;
	enum ta_profile prof = TA_PROFILE_TUF;
	char sha[65];
	int rc, r;

	if ((rc = parse(argc, argv, "sign-request", "key", &key, &out)) != TUFCTL_OK)
		return rc;
	if (tn_read_json(argv[optind], CER_FILE_MAX, &req, &e) != 0)
		return cer_failed("sign-request", &e);
	pv = json_object_get(req, "prev_root");
	if (strcmp(json_string_value(json_object_get(req, "format")) != NULL
		    ? json_string_value(json_object_get(req, "format")) : "",
		"tufctl-ceremony-request") != 0 ||
	    (id = hex64(req, "ceremony")) == NULL || (keyid = hex64(req, "keyid")) == NULL ||
	    (want = hex64(req, "sha256")) == NULL ||
	    (name = json_string_value(json_object_get(req, "signer"))) == NULL ||
	    !json_is_string(json_object_get(req, "root")) || (pv != NULL && !json_is_null(pv) &&
	    !json_is_string(pv)) || (json_object_get(req, "gun") != NULL &&
	    !json_is_string(json_object_get(req, "gun"))) ||
	    !cer_token_ok(json_object_get(req, "token")) || ta_json_stray_member(req, req_members) != NULL ||
	    json_string_value(json_object_get(req, "profile")) == NULL ||
	    ta_profile_from_name(json_string_value(json_object_get(req, "profile")), &prof) != 0) {
		rc = tufctl_fail("ceremony sign-request: %s is not a ceremony request", argv[optind]);
		goto out;
	}
	if (prof == TA_PROFILE_NOTARY && json_string_value(json_object_get(req, "gun")) == NULL) {
		rc = tufctl_fail("ceremony sign-request: %s: a notary root's request names its GUN",
		    argv[optind]);
		goto out;
	}
	cer_sha256_hex(json_string_value(json_object_get(req, "root")),
	    json_string_length(json_object_get(req, "root")), sha);
	if (strcmp(sha, want) != 0) {
		rc = tufctl_fail("ceremony sign-request: the root in %s does not hash to its sha256: "
				 "nothing signed", argv[optind]);
		goto out;
	}
	r = ta_meta_parse((const uint8_t *)json_string_value(json_object_get(req, "root")),
	    json_string_length(json_object_get(req, "root")), prof, "root", &root, &je);
	if (r == 0 && json_is_string(pv))
		r = ta_meta_parse((const uint8_t *)json_string_value(pv), json_string_length(pv),
		    prof, "root", &prev, &je);
	if (r != 0) {
		rc = tufctl_fail("ceremony sign-request: %s: not a %s root: %s", argv[optind],
		    ta_profile_name(prof),
		    je.text[0] != '\0' ? je.text : ta_strerror(r));
		goto out;
	}
	/* The signer's key as the root (or the previous root) lists it. */
	k = json_object_get(json_object_get(root->signed_v, "keys"), keyid);
	if (k == NULL && prev != NULL)
		k = json_object_get(json_object_get(prev->signed_v, "keys"), keyid);
	if (k == NULL) {
		rc = tufctl_fail("ceremony sign-request: key %s is in neither root", keyid);
		goto out;
	}
	/* The signer's own token, before anything is shown or asked. */
	if (cer_token_check(json_object_get(req, "token"), name, &e) != 0) {
		rc = cer_failed("sign-request", &e);
		goto out;
	}
	fprintf(tufctl_human(), "ceremony %s, signer '%s'\n", id, name);
	if (cer_summary(tufctl_human(), root, prev, sha) != 0) {
		rc = tufctl_fail("ceremony sign-request: cannot show the summary");
		goto out;
	}
	if (!cer_confirm(name)) {
		rc = tufctl_fail("ceremony sign-request: not confirmed with 'yes': nothing signed");
		goto out;
	}
	if (cer_agent_sign(prof == TA_PROFILE_NOTARY ? TA_PROTO_PROFILE_NOTARY : TA_PROTO_PROFILE_TUF,
		json_string_value(json_object_get(req, "gun")), key,
		keyid, (const uint8_t *)json_string_value(json_object_get(req, "root")),
		json_string_length(json_object_get(req, "root")),
		json_is_string(pv) ? (const uint8_t *)json_string_value(pv) : NULL,
		json_is_string(pv) ? json_string_length(pv) : 0, &sig, &e) != 0) {
		rc = cer_failed("sign-request", &e);
		goto out;
	}
	if (!cer_sig_valid(root, keyid, k, sig)) {
		rc = tufctl_fail("ceremony sign-request: the agent's signature does not verify");
		goto out;
	}
	tok = cer_token_of(key);
	/* The GUN it was signed under: the policy and scopes the offline
	 * agent applied, which import holds to the plan's. */
	resp = json_pack("{sssssssssOsoss}", "format", "tufctl-ceremony-response", "ceremony", id,
	    "signer", name, "sha256", sha, "signature", sig, "token",
	    tok != NULL ? tok : json_null(), "gun",
	    json_string_value(json_object_get(req, "gun")) != NULL
		? json_string_value(json_object_get(req, "gun")) : "");
	if (resp == NULL) {
		rc = tufctl_fail("ceremony sign-request: out of memory");
		goto out;
	}
	if (tn_write_json(out, resp, &e) != 0) {
		rc = cer_failed("sign-request", &e);
		goto out;
	}
	fprintf(tufctl_human(), "signed by key %s; response written to %s\n", keyid, out);
	rc = tufctl_stdout_done();
out:
	json_decref(resp);
	json_decref(sig);
	json_decref(req);
	ta_meta_free(root);
	ta_meta_free(prev);
	return rc;
}

/* Whether signatures.json holds sig exactly (key ID and signature). */
static bool
same_sig(const struct cer *c, const json_t *sig)
{
	const json_t *h;
	size_t i;

	json_array_foreach(c->sigs, i, h) {
		if (json_equal(json_object_get(h, "keyid"), json_object_get(sig, "keyid")) &&
		    json_equal(json_object_get(h, "sig"), json_object_get(sig, "sig")))
			return true;
	}
	return false;
}

int
cer_cmd_import(int argc, char **argv)
{
	struct cer *c = NULL;
	struct tc_transcript *t = NULL;
	struct tn_error e;
	const json_t *s, *sig;
	const char *name, *keyid, *sid, *path;
	json_t *resp = NULL, *clean = NULL;
	const json_t *rtok;
	int rc = TUFCTL_FAIL;

	static const struct option none[] = { { NULL, 0, NULL, 0 } };

	optind = 0;
	if (tufctl_getopt(argc, argv, "", none, tufctl_usage_of(cer_usage, "ceremony import")) != -1)
		return tufctl_usage("ceremony", "import takes DIR and RESP");
	optind = 0;
	if (argc != 3 || argv[1][0] == '-' || argv[2][0] == '-')
		return tufctl_usage("ceremony", "import takes DIR and RESP");
	path = argv[2];
	if (cer_load(argv[1], &c, &e) != 0)
		return cer_failed("import", &e);
	if (tc_open(c->dir, &t, &e) != 0) {
		rc = cer_failed("import", &e);
		goto out;
	}
	if (tn_read_json(path, CER_FILE_MAX, &resp, &e) != 0) {
		rc = cer_failed("import", &e);
		goto out;
	}
	sig = json_object_get(resp, "signature");
	name = json_string_value(json_object_get(resp, "signer"));
	if (strcmp(json_string_value(json_object_get(resp, "format")) != NULL
		    ? json_string_value(json_object_get(resp, "format")) : "",
		"tufctl-ceremony-response") != 0 || name == NULL || hex64(resp, "ceremony") == NULL ||
	    hex64(resp, "sha256") == NULL || !json_is_object(sig) ||
	    (sid = json_string_value(json_object_get(sig, "keyid"))) == NULL ||
	    !cer_token_ok(json_object_get(resp, "token")) || ta_json_stray_member(resp, resp_members) != NULL ||
	    ta_json_stray_member(sig, sig_members) != NULL) {
		rc = tufctl_fail("ceremony import: %s is not a ceremony response; nothing changed", path);
		goto out;
	}
	if (strcmp(json_string_value(json_object_get(resp, "gun")) != NULL
		       ? json_string_value(json_object_get(resp, "gun")) : "",
		cer_gun(c)) != 0) {
		rc = tufctl_fail("ceremony import: %s was signed for another GUN than the plan's; "
				 "nothing changed", path);
		goto out;
	}
	if (strcmp(hex64(resp, "ceremony"), c->id) != 0) {
		rc = tufctl_fail("ceremony import: %s is for another ceremony; nothing changed", path);
		goto out;
	}
	if (strcmp(hex64(resp, "sha256"), c->sha256) != 0) {
		rc = tufctl_fail("ceremony import: %s signs other bytes than this ceremony's root; "
				 "nothing changed", path);
		goto out;
	}
	if ((s = cer_signer(c, name)) == NULL) {
		rc = tufctl_fail("ceremony import: no signer '%s' in the plan; nothing changed", name);
		goto out;
	}
	keyid = json_string_value(json_object_get(s, "keyid"));
	/* The token the offline signer used, for the record. */
	rtok = json_is_object(json_object_get(resp, "token")) ? json_object_get(resp, "token") : NULL;
	if (strcmp(sid, keyid) != 0) {
		rc = tufctl_fail("ceremony import: key %.16s... is not signer '%s''s key; nothing "
				 "changed", sid, name);
		goto out;
	}
	if (cer_has_sig(c, keyid)) {
		/* The same response again after a kill between signatures.json
		 * and the transcript: only its record is missing. */
		if (!recorded(t, keyid) && same_sig(c, sig)) {
			if ((rc = record("import", c, t, name, keyid, NULL, rtok)) == TUFCTL_OK)
				fprintf(tufctl_human(), "the signature of '%s' was imported; its transcript record is "
				       "written now\n", name);
			rc = rc == TUFCTL_OK ? tufctl_stdout_done() : rc;
			goto out;
		}
		rc = tufctl_fail("ceremony import: signer '%s' has signed already; nothing changed",
		    name);
		goto out;
	}
	if (!cer_sig_valid(c->root, keyid, json_object_get(s, "key"), sig)) {
		rc = tufctl_fail("ceremony import: the signature of '%s' does not verify over the "
				 "root's canonical bytes; nothing changed", name);
		goto out;
	}
	/* Only the members TUF (and notary: method) define go into DIR. */
	clean = cer_sig_clean(sig);
	if (clean == NULL) {
		rc = tufctl_fail("ceremony import: out of memory");
		goto out;
	}
	if ((rc = record("import", c, t, name, keyid, clean, rtok)) != TUFCTL_OK)
		goto out;
	fprintf(tufctl_human(), "imported the signature of '%s' (key %s)\n", name, keyid);
	rc = tufctl_stdout_done();
out:
	json_decref(clean);
	json_decref(resp);
	tc_close(t);
	cer_free(c);
	return rc;
}
