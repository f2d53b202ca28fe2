/*
 * netwatch: keeps a container's network helper (pasta or slirp4netns) alive exactly as long as the
 * container's init. rlrun spawns its own binary with _RLRUN_NETWATCH=<init pid> in a new session;
 * this constructor runs before the .NET runtime starts and never returns:
 *
 *   - it opens a pidfd of the init (rlrun waits for "ready" before it exits, so the PID is still
 *     the init's: rlrun or the init's parent has not reaped it);
 *   - it forks the helper (argv[1..]) with PR_SET_PDEATHSIG=SIGKILL, so killing the watcher
 *     (delete does, kill -9 of it does) kills the helper too;
 *   - it says "READY <helper pid>" on fd 3 once the helper is ready: when the helper wrote its pid
 *     file (pasta -f -P FILE; _RLRUN_NETWATCH_PIDFILE) or its ready fd (slirp4netns --ready-fd=4,
 *     which this process reads); EOF on fd 3 means the helper failed (its log says why);
 *   - with _RLRUN_NETWATCH_NETCONF (pasta --config-net), sooner: once the container's namespace
 *     has the default routes pasta configures (see netconf_done);
 *   - when the init dies (kill -9 of the container included) it stops the helper (SIGTERM, then
 *     SIGKILL after 2 s) and exits; when the helper dies it exits with the helper's status.
 *
 * Why a separate process: rlrun create exits, rlrun run or the daemon may be killed with -9, and
 * neither helper notices the container's end by itself (pasta 2023-03 only watches a netns path).
 * Why C: it costs a few hundred KB of RSS for the container's whole life, not a .NET runtime.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#define READY_FD 3
#define HELPER_READY_FD 4

static int pidfd_open_(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int exit_code(int status)
{
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int pidfile_written(const char *path)
{
	char buf[32];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && buf[n - 1] == '\n';
}

/* Default routes of the network namespace of /proc/PROC: IPv4 (route, the main table) and IPv6
 * (ipv6_route, every table; not lo's unreachable ones). */
static void default_routes(const char *proc, int *v4, int *v6)
{
	char path[64], line[512];
	*v4 = *v6 = 0;
	snprintf(path, sizeof(path), "/proc/%s/net/route", proc);
	FILE *f = fopen(path, "re");
	if (f) {
		char dest[16], mask[16];
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%*s %15s %*s %*s %*s %*s %*s %15s", dest, mask) == 2
			    && !strcmp(dest, "00000000") && !strcmp(mask, "00000000"))
				*v4 = 1;
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%s/net/ipv6_route", proc);
	f = fopen(path, "re");
	if (f) {
		char dest[40], dev[32];
		unsigned int len, flags;
		while (fgets(line, sizeof(line), f))
			if (sscanf(line, "%39s %x %*s %*s %*s %*s %*s %*s %x %31s", dest, &len, &flags, dev) == 4
			    && len == 0 && !strcmp(dest, "00000000000000000000000000000000")
			    && strcmp(dev, "lo") && !(flags & 0x200 /* RTF_REJECT */))
				*v6 = 1;
		fclose(f);
	}
}

/*
 * pasta (2023-03) writes its pid file 100-300 ms after it configured the container's namespace:
 * in between it zeroes some 20 MB of static frame buffers (tcp_init, udp_init), which a container
 * cannot see. What it can see is ready by then: published ports are bound before (conf(), or
 * pasta exits), and the tap's fd is held, so frames the container sends wait in the tap's queue
 * until pasta reads them. pasta_ns_conf() sets lo and the interface up, then the IPv4 address and
 * default route, then the IPv6 ones: the namespace is configured once it has a default route of
 * each family pasta configures. pasta configures a family only where this namespace (its own) has
 * a default route of it, so those are awaited; one expected that pasta does not configure leaves
 * the pid file to say ready, as before.
 */
static int netconf_done(pid_t init, int want4, int want6)
{
	char proc[16];
	int v4, v6;
	snprintf(proc, sizeof(proc), "%d", init);
	default_routes(proc, &v4, &v6);
	return (want4 || want6) && (!want4 || v4) && (!want6 || v6);
}

static void say_ready(int *ready, pid_t helper)
{
	char text[48];
	int n = snprintf(text, sizeof(text), "READY %d\n", helper);
	if (write(READY_FD, text, (size_t)n) != n) {
		/* rlrun gave up waiting: it will not record the helper, so nothing must stay. */
		kill(helper, SIGKILL);
		_exit(1);
	}
	close(READY_FD);
	*ready = 1;
}

static void stop_helper(pid_t helper)
{
	kill(helper, SIGTERM);
	for (int i = 0; i < 200; i++) {
		if (waitpid(helper, NULL, WNOHANG) == helper)
			return;
		usleep(10000);
	}
	kill(helper, SIGKILL);
	waitpid(helper, NULL, 0);
}

__attribute__((constructor))
static void rlrun_netwatch(int argc, char **argv)
{
	const char *env = getenv("_RLRUN_NETWATCH");
	if (!env || !*env)
		return;
	pid_t init = (pid_t)atoi(env);
	const char *pidfile = getenv("_RLRUN_NETWATCH_PIDFILE");
	int netconf = getenv("_RLRUN_NETWATCH_NETCONF") != NULL, want4 = 0, want6 = 0;
	if (argc < 2 || init <= 0)
		_exit(125);
	int initfd = pidfd_open_(init);
	if (initfd < 0) {
		fprintf(stderr, "netwatch: pidfd_open %d: %s\n", init, strerror(errno));
		_exit(125);
	}
	/* slirp4netns writes "1" on its ready fd: a pipe of our own, so fd 3 stays ours alone. */
	int helper_ready[2] = { -1, -1 };
	if (!pidfile && pipe2(helper_ready, O_CLOEXEC) < 0)
		_exit(125);
	pid_t self = getpid();
	pid_t helper = fork();
	if (helper < 0)
		_exit(125);
	if (helper == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != self)
			_exit(125);
		close(READY_FD);
		if (helper_ready[1] >= 0 && dup2(helper_ready[1], HELPER_READY_FD) < 0)
			_exit(125);
		unsetenv("_RLRUN_NETWATCH");
		unsetenv("_RLRUN_NETWATCH_PIDFILE");
		unsetenv("_RLRUN_NETWATCH_NETCONF");
		execvp(argv[1], argv + 1);
		fprintf(stderr, "netwatch: exec %s: %s\n", argv[1], strerror(errno));
		_exit(127);
	}
	if (helper_ready[1] >= 0)
		close(helper_ready[1]);
	int helperfd = pidfd_open_(helper);
	if (helperfd < 0) {
		kill(helper, SIGKILL);
		_exit(125);
	}
	if (netconf)
		default_routes("self", &want4, &want6);
	int ready = 0;
	for (;;) {
		struct pollfd fds[3] = {
			{ .fd = initfd, .events = POLLIN },
			{ .fd = helperfd, .events = POLLIN },
			{ .fd = ready ? -1 : helper_ready[0], .events = POLLIN },
		};
		/* A pid file or a route cannot be polled: look every 2 ms until ready. */
		int timeout = (!ready && pidfile) ? 2 : -1;
		int n = poll(fds, 3, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[1].revents) {
			int status = 0;
			waitpid(helper, &status, 0);
			_exit(exit_code(status));
		}
		if (fds[0].revents)
			break;
		if (!ready && pidfile && (pidfile_written(pidfile) || (netconf && netconf_done(init, want4, want6))))
			say_ready(&ready, helper);
		if (!ready && helper_ready[0] >= 0 && fds[2].revents) {
			char c;
			if (read(helper_ready[0], &c, 1) == 1)
				say_ready(&ready, helper);
			close(helper_ready[0]);
			helper_ready[0] = -1;
		}
	}
	stop_helper(helper);
	_exit(0);
}

/* Called from C# so the linker keeps this object (and its constructor). */
int rlrun_netwatch_protocol(void)
{
	return 1;
}
