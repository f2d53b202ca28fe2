/*
 * nsstage.c - stage 1 of rlrun's process model (see DESIGN.md).
 *
 * A .NET process always has several threads, and the kernel refuses
 * unshare(CLONE_NEWUSER) and setns() into a user namespace from a
 * multi-threaded process. This constructor runs before the .NET runtime
 * starts any thread, and only when stage 0 handed us the init socket
 * (environment variable _RLRUN_INITFD). It does only what must happen
 * single-threaded:
 *
 *   1. read the namespace plan from the init socket;
 *   2. setns() into namespaces given by path (the user namespace first);
 *   3. unshare(CLONE_NEWUSER), ask stage 0 to write the ID maps, wait;
 *   4. become root in the user namespace;
 *   5. unshare the other namespaces;
 *   6. clone(CLONE_PARENT) so the child is in the new PID namespace and is
 *      a direct child of stage 0; report its PID and exit.
 *
 * The child returns from the constructor and the .NET runtime starts:
 * that is stage 2, `rlrun init`, which reads the container config from
 * the same socket. Errors go back over the socket as text.
 *
 * Frame format on the socket (both directions): uint32 type, uint32 length,
 * then `length` bytes of payload. Keep in sync with InitFrame.cs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

enum frame_type {
	FRAME_PLAN = 1,        /* stage 0 -> 1: NUL-separated key=value items */
	FRAME_MAP_REQUEST = 2, /* stage 1 -> 0: the user namespace exists, map it */
	FRAME_MAP_DONE = 3,    /* stage 0 -> 1: maps written (payload: error text if failed) */
	FRAME_PID = 4,         /* stage 1 -> 0: decimal PID of the container init */
	FRAME_ERROR = 5,       /* any stage -> 0: error text, then the sender exits */
};

#define MAX_PLAN 65536
#define MAX_JOINS 16

struct join {
	int nstype;
	const char *path;
	int fd;
	int current; /* already a member: nothing to join */
};

struct plan {
	int new_user;
	int unshare_flags; /* everything but CLONE_NEWUSER */
	int njoins;
	struct join joins[MAX_JOINS];
};

static int initfd = -1;

void rlrun_prefault_data(void); /* prefault.c */

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len > 0) {
		ssize_t n = read(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0) {
			errno = EPIPE;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int send_frame(uint32_t type, const void *payload, uint32_t len)
{
	uint32_t hdr[2] = { type, len };
	if (write_all(initfd, hdr, sizeof(hdr)) < 0)
		return -1;
	return len ? write_all(initfd, payload, len) : 0;
}

/* Reads one frame of the expected type; payload is NUL-terminated. */
static char *recv_frame(uint32_t want, uint32_t *len_out)
{
	uint32_t hdr[2];
	if (read_all(initfd, hdr, sizeof(hdr)) < 0)
		return NULL;
	if (hdr[0] != want || hdr[1] > MAX_PLAN) {
		errno = EPROTO;
		return NULL;
	}
	char *buf = malloc(hdr[1] + 1);
	if (!buf)
		return NULL;
	if (read_all(initfd, buf, hdr[1]) < 0) {
		free(buf);
		return NULL;
	}
	buf[hdr[1]] = '\0';
	if (len_out)
		*len_out = hdr[1];
	return buf;
}

/* Reports an error to stage 0 and exits: stage 0 turns it into its own message. */
__attribute__((noreturn, format(printf, 1, 2)))
static void fail(const char *fmt, ...)
{
	char msg[1024];
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(msg, sizeof(msg) - 64, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	if (n > (int)sizeof(msg) - 64)
		n = (int)sizeof(msg) - 64;
	if (saved)
		n += snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", strerror(saved));
	send_frame(FRAME_ERROR, msg, (uint32_t)n);
	_exit(1);
}

static void parse_plan(char *buf, uint32_t len, struct plan *p)
{
	memset(p, 0, sizeof(*p));
	for (char *item = buf; item < buf + len; item += strlen(item) + 1) {
		if (!strncmp(item, "userns=", 7)) {
			p->new_user = atoi(item + 7);
		} else if (!strncmp(item, "unshare=", 8)) {
			p->unshare_flags = (int)strtol(item + 8, NULL, 10);
		} else if (!strncmp(item, "join=", 5)) {
			/* join=<nstype>:<path> */
			char *colon = strchr(item + 5, ':');
			if (!colon || p->njoins == MAX_JOINS) {
				errno = 0;
				fail("nsstage: bad plan item '%s'", item);
			}
			*colon = '\0';
			p->joins[p->njoins].nstype = (int)strtol(item + 5, NULL, 10);
			p->joins[p->njoins].path = colon + 1;
			p->njoins++;
		}
	}
}

static const char *ns_name(int nstype)
{
	switch (nstype) {
	case CLONE_NEWUSER: return "user";
	case CLONE_NEWNS: return "mount";
	case CLONE_NEWPID: return "pid";
	case CLONE_NEWUTS: return "uts";
	case CLONE_NEWIPC: return "ipc";
	case CLONE_NEWNET: return "network";
	case CLONE_NEWCGROUP: return "cgroup";
	case CLONE_NEWTIME: return "time";
	default: return "unknown";
	}
}

/* The namespace's name under /proc/self/ns. */
static const char *proc_ns_name(int nstype)
{
	switch (nstype) {
	case CLONE_NEWNS: return "mnt";
	case CLONE_NEWNET: return "net";
	default: return ns_name(nstype);
	}
}

/*
 * Whether FD is the namespace we are already in. setns() into it would still
 * need CAP_SYS_ADMIN over its owner: a rootless containerd's host-network pod
 * names the host's UTS namespace, owned by the initial user namespace.
 */
static int is_current(int fd, int nstype)
{
	char self[64];
	struct stat a, b;
	snprintf(self, sizeof self, "/proc/self/ns/%s", proc_ns_name(nstype));
	return fstat(fd, &a) == 0 && stat(self, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/*
 * Opens every namespace to join before joining any: after setns() into the
 * mount namespace, /proc/PID/ns/... would name the container's /proc instead.
 */
static void open_namespaces(struct plan *p)
{
	for (int i = 0; i < p->njoins; i++) {
		struct join *j = &p->joins[i];
		j->fd = open(j->path, O_RDONLY | O_CLOEXEC);
		if (j->fd < 0)
			fail("open %s namespace %s", ns_name(j->nstype), j->path);
		j->current = is_current(j->fd, j->nstype);
	}
}

/* Joins the namespaces of one kind (user, or everything else). */
static void join_namespaces(const struct plan *p, int want_user)
{
	for (int i = 0; i < p->njoins; i++) {
		const struct join *j = &p->joins[i];
		if ((j->nstype == CLONE_NEWUSER) != want_user)
			continue;
		if (j->current) {
			close(j->fd);
			continue;
		}
		if (setns(j->fd, j->nstype) < 0)
			fail("setns %s namespace %s", ns_name(j->nstype), j->path);
		close(j->fd);
	}
}

static int joins(const struct plan *p, int nstype)
{
	for (int i = 0; i < p->njoins; i++)
		if (p->joins[i].nstype == nstype)
			return 1;
	return 0;
}

static void request_maps(void)
{
	/* The map files of a non-dumpable process are owned by root. */
	if (prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) < 0)
		fail("prctl(PR_SET_DUMPABLE)");
	if (send_frame(FRAME_MAP_REQUEST, NULL, 0) < 0)
		fail("nsstage: send map request");
	uint32_t len = 0;
	char *answer = recv_frame(FRAME_MAP_DONE, &len);
	if (!answer)
		fail("nsstage: wait for the ID maps");
	if (len > 0) {
		/* Stage 0 could not write the maps; it reports the reason itself. */
		_exit(1);
	}
	free(answer);
}

static void become_root(void)
{
	/* Clearing supplementary groups fails where setgroups is denied: fine. */
	if (setresgid(0, 0, 0) < 0)
		fail("setresgid(0) in the user namespace");
	if (setresuid(0, 0, 0) < 0)
		fail("setresuid(0) in the user namespace");
}

static void run_stage1(void)
{
	uint32_t len = 0;
	char *buf = recv_frame(FRAME_PLAN, &len);
	if (!buf)
		fail("nsstage: read the namespace plan");
	struct plan p;
	parse_plan(buf, len, &p);

	open_namespaces(&p);
	join_namespaces(&p, 1);
	if (p.new_user) {
		if (unshare(CLONE_NEWUSER) < 0)
			fail("unshare user namespace"); /* UserNamespaceRefusal.Stage1Prefix */
		request_maps();
	}
	if (p.new_user || joins(&p, CLONE_NEWUSER))
		become_root();
	join_namespaces(&p, 0);
	if (p.unshare_flags && unshare(p.unshare_flags) < 0)
		fail("unshare namespaces (flags 0x%x)", p.unshare_flags);

	/* CLONE_PARENT: the container init is stage 0's child, so `run` can wait for it. */
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, 0, 0, 0, 0);
	if (pid < 0)
		fail("clone the container init");
	if (pid == 0) {
		free(buf);
		return; /* stage 2: the .NET runtime starts in every namespace */
	}
	char text[32];
	int n = snprintf(text, sizeof(text), "%d", pid);
	if (send_frame(FRAME_PID, text, (uint32_t)n) < 0) {
		kill(pid, SIGKILL);
		_exit(1);
	}
	_exit(0);
}

__attribute__((constructor))
static void rlrun_nsstage(void)
{
	/* `rlrun check` inside a container: may a process here make a user namespace?
	 * Exit status 0, or unshare's errno (seccomp, max_user_namespaces...). */
	if (getenv("_RLRUN_PROBE_USERNS"))
		_exit(unshare(CLONE_NEWUSER) < 0 ? errno : 0);
	const char *env = getenv("_RLRUN_INITFD");
	if (env && *env) {
		initfd = atoi(env);
		/* The socket must not reach the container process. */
		if (fcntl(initfd, F_SETFD, FD_CLOEXEC) < 0)
			_exit(1);
		run_stage1();
	}
	/* Only now: stage 1's clone would have made the populated pages copy-on-write. */
	rlrun_prefault_data();
}

/* Called from C# so the linker keeps this object (and its constructor). */
int rlrun_nsstage_protocol(void)
{
	return 1;
}
