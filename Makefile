# rlrun - rootless OCI runtime. See README.md.
PREFIX ?= $(HOME)/.local
# systemd --user finds units in ~/.local/share/systemd/user (a home prefix) and PREFIX/lib/systemd/user (/usr, /usr/local).
USER_UNIT_DIR ?= $(if $(filter $(HOME)/%,$(PREFIX)),$(PREFIX)/share/systemd/user,$(PREFIX)/lib/systemd/user)
CC ?= gcc
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
NATIVE_LIB := artifacts/native/libnsstage.a
BIN := artifacts/rlrun
SUPERVISOR := artifacts/rlrun-supervisor
INIT := artifacts/rlrun-init
FULL := artifacts/rlrun-full
DOTNET ?= dotnet
# Not obj/ and bin/: dotnet writes .cs files there (BuildId.g.cs), which made one binary look stale.
SOURCES := $(shell find src \( -name obj -o -name bin \) -prune -o \( -name '*.cs' -o -name '*.csproj' -o -name '*.c' \) -print) Directory.Build.props
# rlrun and rlrun-init carry the commit and refuse each other across commits: a new commit rebuilds all four.
COMMIT_STAMP := artifacts/.commit-$(COMMIT)

VERSION := $(shell sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props)
DEB := artifacts/rlrun_$(VERSION)_amd64.deb

.PHONY: build native demo test unit-test integration-test bench bench-contexts bench-supervise bench-images install clean man completions deb soak

build: $(BIN) $(SUPERVISOR) $(INIT) $(FULL)

native: $(NATIVE_LIB)

$(COMMIT_STAMP):
	@mkdir -p artifacts
	rm -f artifacts/.commit-*
	touch $@

NATIVE_SOURCES := src/Native/nsstage.c src/Native/prefault.c src/Native/signals.c src/Native/netwatch.c src/Native/parentdeath.c

$(NATIVE_LIB): $(NATIVE_SOURCES)
	@mkdir -p artifacts/native
	rm -f $@
	for c in $(NATIVE_SOURCES); do \
		$(CC) -O2 -Wall -Wextra -Werror -fPIC -c $$c -o artifacts/native/$$(basename $$c .c).o || exit 1; \
	done
	ar rcs $@ $(patsubst src/Native/%.c,artifacts/native/%.o,$(NATIVE_SOURCES))

# flock: two builds at once in one tree would share obj/ and break each other.
$(BIN): $(NATIVE_LIB) $(SOURCES) $(COMMIT_STAMP)
	@mkdir -p artifacts
	flock artifacts/.build.lock $(DOTNET) publish src/Cli/Rlrun.Cli.csproj -c Release -r linux-x64 --nologo -v quiet \
		-p:SourceRevisionId=$(COMMIT) -o artifacts/publish
	cp artifacts/publish/rlrun $(BIN)

$(SUPERVISOR): $(NATIVE_LIB) $(SOURCES) $(COMMIT_STAMP)
	@mkdir -p artifacts
	flock artifacts/.build.lock $(DOTNET) publish src/Supervisor/Rlrun.Supervisor.csproj -c Release -r linux-x64 --nologo -v quiet \
		-p:SourceRevisionId=$(COMMIT) -o artifacts/publish-supervisor
	cp artifacts/publish-supervisor/rlrun-supervisor $(SUPERVISOR)

# The container init alone (src/Init): what rlrun seals into a memfd for every container.
$(INIT): $(NATIVE_LIB) $(SOURCES) $(COMMIT_STAMP)
	@mkdir -p artifacts
	flock artifacts/.build.lock $(DOTNET) publish src/Init/Rlrun.Init.csproj -c Release -r linux-x64 --nologo -v quiet \
		-p:SourceRevisionId=$(COMMIT) -o artifacts/publish-init
	cp artifacts/publish-init/rlrun-init $(INIT)

# rlrun-full: the same CLI with what the small rlrun leaves out (the registry client, TLS, layer
# decompression; src/Images/Features/ImageFeatures.cs). rlrun execs it for pull, login and image import.
$(FULL): $(NATIVE_LIB) $(SOURCES) $(COMMIT_STAMP)
	@mkdir -p artifacts
	flock artifacts/.build.lock $(DOTNET) publish src/Cli/Rlrun.Cli.csproj -c Release -r linux-x64 --nologo -v quiet \
		-p:SourceRevisionId=$(COMMIT) -p:RlrunFull=true -o artifacts/publish-full
	cp artifacts/publish-full/rlrun $(FULL)

demo: build
	./scripts/demo.sh

test: build
	./scripts/test.sh

# The fault lane's long version (issue 18): 30 minutes of tests/Rlrun.FaultTests with more rounds.
soak: build
	./scripts/soak.sh

bench: build
	./bench/startup.sh

# Startup from su (outside the user manager's tree) and as a service of the manager (scopes), as root.
bench-contexts: build
	./bench/contexts.sh

# The daemon: RSS with 1, 100 and 1000 idle containers, restart latency (about a minute).
bench-supervise: build
	./bench/supervise.sh

# Pull + unpack of a 3-layer Debian image from a loopback registry against skopeo+umoci and podman, as root.
bench-images: build
	./bench/images.sh

install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/rlrun
	install -D -m 0755 $(SUPERVISOR) $(DESTDIR)$(PREFIX)/bin/rlrun-supervisor
	install -D -m 0755 $(INIT) $(DESTDIR)$(PREFIX)/bin/rlrun-init
	install -D -m 0755 $(FULL) $(DESTDIR)$(PREFIX)/bin/rlrun-full
# podman's drop-in names this install's binary first (its list has only /usr/local/bin and /usr/bin):
# copied to ~/.config/containers/containers.conf.d, `podman --runtime rlrun` runs this rlrun.
	install -d $(DESTDIR)$(PREFIX)/share/rlrun/containers.conf.d
	sed 's|^rlrun = \[$$|&\n  "$(PREFIX)/bin/rlrun",|' packaging/containers/rlrun.conf > $(DESTDIR)$(PREFIX)/share/rlrun/containers.conf.d/rlrun.conf
	install -d $(DESTDIR)$(USER_UNIT_DIR)
	sed 's|@BINDIR@|$(PREFIX)/bin|' packaging/systemd/user/rlrun.service > $(DESTDIR)$(USER_UNIT_DIR)/rlrun.service
	install -m 0644 packaging/systemd/user/rlrun.socket $(DESTDIR)$(USER_UNIT_DIR)/rlrun.socket

# Man pages and completions come from the binary's command table (src/Cli/CommandTable.cs) and
# docs/commands/NAME.md; a command without its description fails here, naming the file to write.
man: $(BIN)
	rm -rf artifacts/man && $(BIN) __man docs/commands artifacts/man/man1
	install -D -m 0644 packaging/man/rlrun.json.5 artifacts/man/man5/rlrun.json.5

completions: $(BIN)
	mkdir -p artifacts/completions
	for s in bash zsh fish; do $(BIN) completion $$s > artifacts/completions/rlrun.$$s || exit 1; done

# The Debian package, checked by lintian (no error allowed) when lintian is installed.
deb: build
	packaging/deb/build.sh $(VERSION)
	if command -v lintian >/dev/null; then lintian --fail-on error $(DEB); else echo "deb: lintian not installed: not checked"; fi

clean:
	rm -rf artifacts src/*/bin src/*/obj tests/*/bin tests/*/obj
