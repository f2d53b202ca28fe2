/*
 * signals.c - signal dispositions at the two edges of rlrun's process model.
 *
 * Stage 0: a shell starts `rlrun run x &` with SIGINT and SIGQUIT ignored
 * (POSIX, for asynchronous lists without job control). The .NET runtime
 * respects an inherited SIG_IGN: when its signal handling starts (the first
 * Console, Process or PosixSignalRegistration) it marks SIGINT and SIGQUIT as
 * handled without installing a handler, and no later registration changes
 * that, so rlrun could never forward them. This constructor runs before the
 * runtime: it sets those two back to SIG_DFL and remembers it, and managed
 * code either registers its forwarding handlers or, for commands that forward
 * nothing, ignores them again (rlrun_signal_ignore).
 *
 * Stage 2: the runtime of `rlrun init` ignores SIGPIPE (and more), and an
 * ignored signal stays ignored across execve, as does the signal mask. The
 * container's process must start as runc starts it: every disposition
 * SIG_DFL, nothing blocked. rlrun_exec does that and calls execve in one
 * native call, so no managed code runs with the runtime's handlers gone.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's struct sigaction: glibc's refuses signals 32 and 33, which it keeps for itself. */
struct kernel_sigaction {
	void *handler;
	unsigned long flags;
	void *restorer;
	unsigned long mask;
};

#define KERNEL_NSIG 64

static unsigned long unignored; /* bit N-1: signal N was inherited ignored, set to default here */

static int get_disposition(int sig, void **handler)
{
	struct kernel_sigaction cur;
	memset(&cur, 0, sizeof(cur));
	if (syscall(SYS_rt_sigaction, sig, NULL, &cur, sizeof(unsigned long)) < 0)
		return -1;
	*handler = cur.handler;
	return 0;
}

static int set_disposition(int sig, void *handler)
{
	struct kernel_sigaction act = { .handler = handler };
	return (int)syscall(SYS_rt_sigaction, sig, &act, NULL, sizeof(unsigned long));
}

__attribute__((constructor))
static void rlrun_unignore_job_control_signals(void)
{
	/* Stages 1 and 2 are spawned with every disposition reset: nothing to do there. */
	if (getenv("_RLRUN_INITFD"))
		return;
	static const int job_control[] = { SIGINT, SIGQUIT };
	for (size_t i = 0; i < sizeof(job_control) / sizeof(job_control[0]); i++) {
		void *old = NULL;
		if (get_disposition(job_control[i], &old) == 0 && old == SIG_IGN &&
		    set_disposition(job_control[i], SIG_DFL) == 0)
			unignored |= 1UL << (job_control[i] - 1);
	}
}

/* The signals the constructor set back to default (bit N-1 for signal N). */
unsigned long rlrun_signals_unignored(void)
{
	return unignored;
}

/* SIG_IGN -> SIG_DFL for one signal: 1 if it was ignored, 0 if not, -1 with errno. */
int rlrun_signal_unignore(int sig)
{
	void *old = NULL;
	if (get_disposition(sig, &old) < 0)
		return -1;
	if (old != SIG_IGN)
		return 0;
	return set_disposition(sig, SIG_DFL) < 0 ? -1 : 1;
}

int rlrun_signal_ignore(int sig)
{
	return set_disposition(sig, SIG_IGN);
}

/*
 * Every disposition to SIG_DFL, an empty mask, then execve. The resets
 * ignore errors (SIGKILL and SIGSTOP refuse; a seccomp profile may refuse
 * rt_sigaction): they must not stop the exec. Returns only when execve
 * fails, with errno set.
 */
int rlrun_exec(const char *path, char *const argv[], char *const envp[])
{
	for (int sig = 1; sig <= KERNEL_NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			set_disposition(sig, SIG_DFL);
	unsigned long empty = 0;
	syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty, NULL, sizeof(empty));
	execve(path, argv, envp);
	return -1;
}
