/*
 * parentdeath.c - a child of rlrun that must not outlive it.
 *
 * `rlrun run --image` of an image not in the store has `rlrun-full pull` fetch it as a child. A
 * signal that rlrun can catch is passed on to the pull (FullBinaryFetcher's SignalsToChild), but
 * kill -9 of rlrun left the pull running, orphaned, until it had the whole image. posix_spawn
 * cannot ask for a parent-death signal, so the child asks for it itself, here, before its .NET
 * runtime starts: rlrun spawns it with _RLRUN_PARENT_DEATH=<rlrun's PID> in its environment.
 *
 *   - PR_SET_PDEATHSIG=SIGTERM: the kernel sends SIGTERM when the thread that spawned us ends
 *     (rlrun spawns from its main thread, which ends only with the process). SIGTERM, not SIGKILL:
 *     the same signal a caught kill of rlrun passes on.
 *   - if our parent is no longer that PID, rlrun died between the spawn and the prctl: we are
 *     already orphaned and the signal will never come, so we end as it would have ended us.
 *   - the variable is removed, so nothing the child starts inherits it.
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#define PARENT_DEATH_ENV "_RLRUN_PARENT_DEATH"

__attribute__((constructor))
static void rlrun_parent_death(void)
{
	const char *env = getenv(PARENT_DEATH_ENV);
	if (!env || !*env)
		return;
	pid_t parent = (pid_t)atoi(env);
	unsetenv(PARENT_DEATH_ENV);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(128 + SIGTERM);
}

/* Called from C# so the linker keeps this object (and its constructor). */
int rlrun_parentdeath_protocol(void)
{
	return 1;
}
