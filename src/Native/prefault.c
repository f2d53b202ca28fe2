/*
 * prefault.c - the zero-filled tail of rlrun's writable segment, made present in one call.
 *
 * A NativeAOT binary rebuilds its dehydrated data (MethodTables and such) into `.hydrated`, an
 * uninitialised section at the end of the writable PT_LOAD (after .bss), before Main: 2 MB for
 * rlrun, every byte written. Touched page by page, that is ~500 page faults, and on a VM each
 * fault costs several microseconds more than the page itself (docs/startup.md: ~5 ms of the ~20 ms
 * of CPU of an `rlrun --version`). MADV_POPULATE_WRITE (Linux 5.14) allocates the same pages in
 * one system call. It never changes what a page holds (a page already present is left alone), so
 * it is safe whatever ran before this constructor; on an older kernel it fails with EINVAL and
 * the pages fault in as before.
 */
#define _GNU_SOURCE
#include <link.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

static int populate_bss(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	(void)data;
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_W) || ph->p_memsz <= ph->p_filesz)
			continue;
		/* The whole pages past the file's bytes: .bss and .hydrated, anonymous memory. */
		uintptr_t start = (info->dlpi_addr + ph->p_vaddr + ph->p_filesz + page - 1) & ~(page - 1);
		uintptr_t end = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + page - 1) & ~(page - 1);
		if (end > start)
			madvise((void *)start, end - start, MADV_POPULATE_WRITE);
	}
	return 1; /* the first object is the executable itself: stop there */
}

/* Called first by nsstage.c's constructor (which the C# side keeps linked). */
void rlrun_prefault_data(void)
{
	dl_iterate_phdr(populate_bss, NULL);
}
