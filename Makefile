# rlrun - rootless OCI runtime. See README.md.
PREFIX ?= $(HOME)/.local
# systemd --user finds units in ~/.local/share/systemd/user (a home prefix) and PREFIX/lib/systemd/user (/usr, /usr/local).
USER_UNIT_DIR ?= $(if $(filter $(HOME)/%,$(PREFIX)),$(PREFIX)/share/systemd/user,$(PREFIX)/lib/systemd/user)
CC ?= gcc
COMMIT := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
NATIVE_LIB := artifacts/native/libnsstage.a
BIN := artifacts/rlrun
SUPERVISOR := artifacts/rlrun-supervisor
DOTNET ?= dotnet
SOURCES := $(shell find src -name '*.cs' -o -name '*.csproj' -o -name '*.c') Directory.Build.props

.PHONY: build native demo test unit-test integration-test bench bench-contexts bench-supervise bench-images install clean

build: $(BIN) $(SUPERVISOR)

native: $(NATIVE_LIB)

NATIVE_SOURCES := src/Native/nsstage.c src/Native/signals.c

$(NATIVE_LIB): $(NATIVE_SOURCES)
	@mkdir -p artifacts/native
	rm -f $@
	for c in $(NATIVE_SOURCES); do \
		$(CC) -O2 -Wall -Wextra -Werror -fPIC -c $$c -o artifacts/native/$$(basename $$c .c).o || exit 1; \
	done
	ar rcs $@ $(patsubst src/Native/%.c,artifacts/native/%.o,$(NATIVE_SOURCES))

# flock: two builds at once in one tree would share obj/ and break each other.
$(BIN): $(NATIVE_LIB) $(SOURCES)
	@mkdir -p artifacts
	flock artifacts/.build.lock $(DOTNET) publish src/Cli/Rlrun.Cli.csproj -c Release -r linux-x64 --nologo -v quiet \
		-p:SourceRevisionId=$(COMMIT) -o artifacts/publish
	cp artifacts/publish/rlrun $(BIN)

$(SUPERVISOR): $(NATIVE_LIB) $(SOURCES)
	@mkdir -p artifacts
	flock artifacts/.build.lock $(DOTNET) publish src/Supervisor/Rlrun.Supervisor.csproj -c Release -r linux-x64 --nologo -v quiet \
		-p:SourceRevisionId=$(COMMIT) -o artifacts/publish-supervisor
	cp artifacts/publish-supervisor/rlrun-supervisor $(SUPERVISOR)

demo: build
	./scripts/demo.sh

test: build
	./scripts/test.sh

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
	install -D -m 0644 packaging/containers/rlrun.conf $(DESTDIR)$(PREFIX)/share/rlrun/containers.conf.d/rlrun.conf
	install -d $(DESTDIR)$(USER_UNIT_DIR)
	sed 's|@BINDIR@|$(PREFIX)/bin|' packaging/systemd/user/rlrun.service > $(DESTDIR)$(USER_UNIT_DIR)/rlrun.service
	install -m 0644 packaging/systemd/user/rlrun.socket $(DESTDIR)$(USER_UNIT_DIR)/rlrun.socket

clean:
	rm -rf artifacts src/*/bin src/*/obj tests/*/bin tests/*/obj
