/* tuf-agent against a memory flood (issue #10 part 3):
 *
 *	bench_flood                   (as root: the flooders run as other uids)
 *
 *   frame      the size of a notary targets sign frame with 100,000 tags
 *              (the default max-frame is sized from it)
 *   viewer     3 connections x 16 sign frames of 60 MiB, pipelined, from a
 *              uid whose only rule is `operations = status` (65534), on an
 *              agent with max-frame = 64M, max-buffer = 256M and the default
 *              per-uid share (128M)
 *   signer     3 connections x 16 sign frames of 16 MiB from a uid that may
 *              sign (65533), same agent: these are read and decoded, under
 *              the budget (back-pressure when it is spent)
 *
 * For each flood: the agent's peak RSS (VmHWM; a fresh agent per flood)
 * against max-buffer + 32 MiB, and root's `status` latency (connect,
 * status, close, every 10 ms while the flood runs) p50 / p99 against
 * 100 ms.  The agent has no token: status then costs one worker job and no
 * PKCS#11, so what is measured is the agent's own queueing.
 *
 * Not a test: a missed goal is reported, not failed; the exit status is 0
 * unless a flood could not be run.  Without root the floods are skipped.
 * TA_BENCH_KEEP=1 keeps the temporary directory (configs, logs). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <grp.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bench/benchio.h"
#include "bench/benchproc.h"

#define MiB ((size_t)1 << 20)
#define BUDGET (256 * MiB)
#define SLACK (32 * MiB)
#define GOAL_P99_MS 100.0
#define CONNS 3
#define PER_CONN 16
#define VIEWER_UID 65534
#define SIGNER_UID 65533
#define TAGS 100000
#define MAX_SAMPLES 20000
#define FLOOD_TIMEOUT 50 /* seconds per flood, at most */

static char dir[] = "/tmp/ta-bench-flood-XXXXXX";
static char sock_path[sizeof(((struct sockaddr_un *)0)->sun_path)];

/* ---- the 100,000-tag frame ------------------------------------------------------ */

/* A notary targets file as the notary client writes it (canonical signed
 * part, one signature), tags like CI makes them ("v1.42.7-3f9c2ab"), inside
 * a sign request: the frame's payload length. */
static size_t
targets_frame_len(int tags)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	json_t *targets = json_object(), *file, *req;
	uint64_t x = 0x9e3779b97f4a7c15u;
	char tag[64], digest[45], *text = NULL, *frame = NULL;
	size_t len = 0;

	for (int i = 0; i < tags; i++) {
		for (int k = 0; k < 43; k++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			digest[k] = b64[x % 64];
		}
		digest[43] = '=';
		digest[44] = '\0';
		(void)snprintf(tag, sizeof(tag), "v%d.%d.%d-%07llx", i / 10000, i / 100 % 100,
		    i % 100, (unsigned long long)(x & 0xfffffff));
		(void)json_object_set_new(targets, tag,
		    json_pack("{s:{s:s},s:I}", "hashes", "sha256", digest, "length",
			(json_int_t)(1000 + x % 100000)));
	}
	file = json_pack("{s:{s:s,s:{s:{},s:[]},s:s,s:o,s:i},s:[{s:s,s:s,s:s}]}", "signed",
	    "_type", "Targets", "delegations", "keys", "roles", "expires",
	    "2029-01-01T00:00:00Z", "targets", targets, "version", 2, "signatures", "keyid",
	    "3f1c7ab0e5d2c4b6a8f9e0d1c2b3a4958677685a4b3c2d1e0f9e8d7c6b5a4938", "method", "ecdsa",
	    "sig",
	    "MEUCIQDx0f1c7ab0e5d2c4b6a8f9e0d1c2b3a4958677685a4b3c2d1e0f9AiB0e5d2c4b6a8f9e0d1c2b3"
	    "a49586776==");
	if (file == NULL || (text = json_dumps(file, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		goto out;
	req = json_pack("{s:s,s:i,s:s,s:{s:s,s:s,s:s,s:[s],s:s}}", "jsonrpc", "2.0", "id", 1,
	    "method", "sign", "params", "profile", "notary", "role", "targets", "gun",
	    "registry.example.com/team/app", "keys", "targets-1", "file", text);
	if (req != NULL && (frame = json_dumps(req, JSON_COMPACT)) != NULL)
		len = strlen(frame);
	json_decref(req);
out:
	free(frame);
	free(text);
	json_decref(file);
	return len;
}

/* ---- the agent ---------------------------------------------------------------- */

/* A connection to the agent under test; -1 when there is none. */
static int
unix_connect(void)
{
	int fd = -1;

	return bl_unix_connect(sock_path, &fd) == 0 ? fd : -1;
}

static pid_t
agent_start(const char *agent, const char *conf, const char *log)
{
	pid_t pid = fork();

	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

		if (fd >= 0) {
			(void)dup2(fd, 1);
			(void)dup2(fd, 2);
		}
		execl(agent, agent, "--config", conf, "--socket", sock_path, "--foreground",
		    (char *)NULL);
		_exit(127);
	}
	for (int i = 0; pid > 0 && i < 100; i++) {
		int fd = unix_connect();

		if (fd >= 0) {
			(void)close(fd);
			/* Other uids reach it through the group bits. */
			if (chmod(sock_path, 0666) != 0)
				break;
			return pid;
		}
		usleep(50000);
	}
	if (pid > 0) {
		(void)kill(pid, SIGKILL);
		(void)waitpid(pid, NULL, 0);
	}
	return -1;
}

/* ---- I/O ---------------------------------------------------------------------- */

/* One response frame, skipped; 0, or -1 at EOF or error. */
static int
skip_frame(int fd)
{
	uint8_t hdr[4], buf[4096];
	size_t n;

	if (bl_read_all(fd, hdr, 4) != 0)
		return -1;
	n = (size_t)hdr[0] << 24 | (size_t)hdr[1] << 16 | (size_t)hdr[2] << 8 | hdr[3];
	while (n > 0) {
		size_t k = n < sizeof(buf) ? n : sizeof(buf);

		if (bl_read_all(fd, buf, k) != 0)
			return -1;
		n -= k;
	}
	return 0;
}

static const char status_req[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"status\"}";

/* connect, status, response, close: milliseconds, or < 0 on failure. */
static double
status_once(void)
{
	uint8_t frame[4 + sizeof(status_req)];
	size_t n = sizeof(status_req) - 1;
	double t0 = bl_now(), ms = -1;
	int fd;

	frame[0] = 0, frame[1] = 0, frame[2] = (uint8_t)(n >> 8), frame[3] = (uint8_t)n;
	memcpy(frame + 4, status_req, n);
	if ((fd = unix_connect()) < 0)
		return -1;
	if (bl_write_all(fd, frame, 4 + n) == 0 && skip_frame(fd) == 0)
		ms = (bl_now() - t0) * 1000.0;
	(void)close(fd);
	return ms;
}

/* ---- flooders ------------------------------------------------------------------ */

static uint8_t *flood_frame;
static size_t flood_len;

/* A sign request padded to len bytes (with its 4-byte prefix in front). */
static uint8_t *
make_frame(size_t len)
{
	static const char head[] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"sign\",\"params\":"
				   "{\"profile\":\"notary\",\"role\":\"targets\",\"gun\":"
				   "\"r.example/app\",\"keys\":[\"targets-1\"],\"file\":\"";
	static const char tail[] = "\"}}";
	uint8_t *f = malloc(4 + len);

	if (f == NULL)
		return NULL;
	f[0] = (uint8_t)(len >> 24), f[1] = (uint8_t)(len >> 16);
	f[2] = (uint8_t)(len >> 8), f[3] = (uint8_t)len;
	memcpy(f + 4, head, sizeof(head) - 1);
	memset(f + 4 + sizeof(head) - 1, 'x', len - (sizeof(head) - 1) - (sizeof(tail) - 1));
	memcpy(f + 4 + len - (sizeof(tail) - 1), tail, sizeof(tail) - 1);
	return f;
}

static void *
flood_writer(void *arg)
{
	int fd = (int)(intptr_t)arg;

	for (int i = 0; i < PER_CONN; i++) {
		if (bl_write_all(fd, flood_frame, 4 + flood_len) != 0)
			break;
	}
	return NULL;
}

/* A child: CONNS connections as uid, each writing PER_CONN frames from a
 * thread while this reads the responses; exits 0 when all were answered. */
static void __attribute__((noreturn))
flooder(uid_t uid)
{
	pthread_t th[CONNS];
	int fds[CONNS], answered = 0;

	(void)alarm(FLOOD_TIMEOUT);
	if (setgroups(0, NULL) != 0 || setresgid(65534, 65534, 65534) != 0 ||
	    setresuid(uid, uid, uid) != 0)
		_exit(2);
	for (int c = 0; c < CONNS; c++) {
		if ((fds[c] = unix_connect()) < 0)
			_exit(3);
		if (pthread_create(&th[c], NULL, flood_writer, (void *)(intptr_t)fds[c]) != 0)
			_exit(4);
	}
	for (int c = 0; c < CONNS; c++) {
		for (int i = 0; i < PER_CONN && skip_frame(fds[c]) == 0; i++)
			answered++;
	}
	for (int c = 0; c < CONNS; c++)
		(void)pthread_join(th[c], NULL);
	_exit(answered == CONNS * PER_CONN ? 0 : 5);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* One flood on a fresh agent; prints its row.  -1 when it could not run. */
static int
flood(const char *agent, const char *name, uid_t uid, size_t frame_len, const char *rules)
{
	static double ms[MAX_SAMPLES];
	char conf[PATH_MAX], log[PATH_MAX];
	size_t n = 0, fails = 0;
	double t0, secs;
	pid_t apid, fpid;
	int st = 0, r = -1;
	long kb;
	FILE *f;

	(void)snprintf(conf, sizeof(conf), "%s/%s.conf", dir, name);
	(void)snprintf(log, sizeof(log), "%s/%s.log", dir, name);
	if ((f = fopen(conf, "we")) == NULL)
		return -1;
	(void)fprintf(f, "[agent]\naudit = %s/%s.audit\nmax-frame = 64M\nmax-buffer = 256M\n%s",
	    dir, name, rules);
	(void)fclose(f);
	if ((apid = agent_start(agent, conf, log)) < 0) {
		(void)printf("%-8s could not start the agent (see %s)\n", name, log);
		return -1;
	}
	flood_len = frame_len;
	if ((flood_frame = make_frame(frame_len)) == NULL)
		goto out;
	t0 = bl_now();
	if ((fpid = fork()) == 0)
		flooder(uid);
	if (fpid < 0)
		goto out;
	while (waitpid(fpid, &st, WNOHANG) == 0 && n < MAX_SAMPLES) {
		double v = status_once();

		if (v < 0)
			fails++;
		else
			ms[n++] = v;
		usleep(10000);
	}
	if (n == MAX_SAMPLES)
		(void)waitpid(fpid, &st, 0);
	secs = bl_now() - t0;
	kb = bl_hwm_kb(apid);
	qsort(ms, n, sizeof(ms[0]), cmp_double);
	(void)printf("%-8s %2d x %2d x %3zu MiB %6.1f s  peak RSS %4ld MiB of %3zu + %zu MiB %-4s  "
		     "status n=%zu p50 %6.2f ms p99 %7.2f ms %s%s\n",
	    name, CONNS, PER_CONN, frame_len / MiB, secs, kb / 1024, BUDGET / MiB, SLACK / MiB,
	    kb >= 0 && (size_t)kb * 1024 < BUDGET + SLACK ? "ok" : "MISS", n,
	    n > 0 ? ms[n / 2] : -1.0, n > 0 ? ms[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] : -1.0,
	    n > 0 && ms[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] < GOAL_P99_MS ? "ok" : "MISS",
	    fails > 0 ? " (status failures)" : "");
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
		(void)printf("         the flooder did not get all its answers (status %d)\n", st);
	r = 0;
out:
	free(flood_frame);
	flood_frame = NULL;
	(void)bl_stop(&apid);
	return r;
}

int
main(void)
{
	char agent[PATH_MAX], rules[256], cmd[PATH_MAX + 16];
	size_t len;
	int r = 0;

	(void)setvbuf(stdout, NULL, _IOLBF, 0);
	len = targets_frame_len(TAGS);
	(void)printf("bench_flood (issue #10 part 3)\n");
	(void)printf("frame    a notary targets file with %d tags: a sign frame of %zu bytes "
		     "(%.1f MiB); default max-frame 32 MiB\n",
	    TAGS, len, (double)len / (double)MiB);
	if (geteuid() != 0) {
		(void)printf("viewer   skipped: needs root (the flooders run as uid %d and %d)\n",
		    VIEWER_UID, SIGNER_UID);
		return 0;
	}
	if (bl_agent_path(agent, sizeof(agent)) != 0 || access(agent, X_OK) != 0 ||
	    mkdtemp(dir) == NULL || chmod(dir, 0711) != 0) {
		(void)printf("cannot set up (tuf-agent next to bench/, a temporary directory)\n");
		return 1;
	}
	(void)snprintf(sock_path, sizeof(sock_path), "%s/run/agent.sock", dir);
	(void)signal(SIGPIPE, SIG_IGN);
	(void)snprintf(rules, sizeof(rules),
	    "[allow \"viewer\"]\nuid = %d\noperations = status\n"
	    "[allow \"signer\"]\nuid = %d\noperations = sign, status\n",
	    VIEWER_UID, SIGNER_UID);
	/* The agent makes run/ 0750: open it to the flooders before it does. */
	(void)snprintf(cmd, sizeof(cmd), "%s/run", dir);
	if (mkdir(cmd, 0755) != 0 || chmod(cmd, 0755) != 0) {
		(void)printf("cannot make %s\n", cmd);
		return 1;
	}
	(void)printf("floods   max-frame 64M, max-buffer 256M (per uid 128M); root's status every "
		     "10 ms meanwhile (goal: peak RSS < budget + 32 MiB, p99 < %.0f ms)\n",
	    GOAL_P99_MS);
	if (flood(agent, "viewer", VIEWER_UID, 60 * MiB, rules) != 0 ||
	    flood(agent, "signer", SIGNER_UID, 16 * MiB, rules) != 0)
		r = 1;
	if (getenv("TA_BENCH_KEEP") != NULL) {
		(void)printf("kept %s\n", dir);
	} else {
		(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
		/* dir is ours, from mkdtemp(): no shell metacharacters. */
		if (system(cmd) != 0) // NOLINT(cert-env33-c)
			(void)printf("cannot remove %s\n", dir);
	}
	return r;
}
