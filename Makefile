# Thin wrapper over npm. `make install` installs the tree the RPM ships (`make rpm`): everything under
# $(LSR_DEST) — the bundles with $(NODE_BIN) in their shebangs, the launcher, the lock helper, the Node
# runtime copied from NODE_DIST — plus links to the operator tools and the linstor-sr-switch plugin.
# It never writes a path sm's package owns: `linstor-sr-switch enable` links those into the tree.
DESTDIR ?=
SM_DEST ?= /opt/xensource/sm
LSR_DEST ?= $(SM_DEST)/linstor-sr
PLUGIN_DEST ?= /etc/xapi.d/plugins
BIN_DEST ?= /opt/xensource/bin
STATE_DEST ?= /var/lib/linstor-sr
UNIT_DEST ?= /usr/lib/systemd/system
# The runtime every shebang names: the package's own (copied from NODE_DIST, a Node distribution folder
# or tarball), or NODE_BIN=<path> for a runtime already on the host. XAPI runs drivers with a bare PATH.
# (Not NODE: npm exports NODE to every script it runs.)
NODE_DIST ?=
NODE_BIN ?= $(LSR_DEST)/node/bin/node
PYTHON ?= /usr/bin/python3
RELEASE ?= 1

BUNDLES = LinstorSR LinstorSR-main.cjs linstor-gc linstor-manager linstor-kv-tool linstor-health linstor-vhd-util linstor-sr-switch linstor-sr-switch-plugin linstor-sr-agent linstor-sr-agent-worker.cjs

.PHONY: build test bench lint typecheck install rpm clean

build:
	npm run build

test:
	npm test

bench:
	npm run bench

lint:
	npm run lint

typecheck:
	npm run typecheck

# install-link TARGET LINK: a relative link, so that it resolves inside a chroot or a scratch root too.
define install-link
	install -d $(DESTDIR)$(dir $(2))
	ln -sfn "$$(realpath -s -m --relative-to=$(dir $(2)) $(1))" $(DESTDIR)$(2)
endef

# SKIP_BUILD=1 installs what dist/ holds (tests and rpmbuild run it after the bundles were built).
# XAPI's entry, once enabled, is $(SM_DEST)/LinstorSR -> linstor-sr/LinstorSR.py: the Python launcher
# that sm's code can also import, which hands the call to the host's agent (linstor-sr-agent.service)
# or else execs the LinstorSR bundle beside it on the runtime in node/. That bundle answers
# sr_get_driver_info itself and loads LinstorSR-main.cjs for every other call. The plugin's entry,
# once enabled, is linstor-manager.py, the same for the linstor-manager bundle.
install: $(if $(SKIP_BUILD),,build)
	@if [ -z "$(NODE_DIST)" ] && [ "$(NODE_BIN)" = "$(LSR_DEST)/node/bin/node" ]; then \
	  echo "make install: pass NODE_DIST=<Node distribution folder or tarball> (shipped in $(LSR_DEST)/node) or NODE_BIN=<a node already on the host>" >&2; exit 2; fi
	for b in $(BUNDLES); do \
	  install -D -m 0755 dist/$$b $(DESTDIR)$(LSR_DEST)/$$b && sed -i '1s|^#!.*|#!$(NODE_BIN)|' $(DESTDIR)$(LSR_DEST)/$$b || exit 1; \
	done
	# -IS: no site or user paths, no PYTHON* variables: the launchers need only the standard library.
	for l in LinstorSR.py linstor-manager.py; do \
	  install -D -m 0755 dist/$$l $(DESTDIR)$(LSR_DEST)/$$l && sed -i '1s|^#!.*|#!$(PYTHON) -IS|' $(DESTDIR)$(LSR_DEST)/$$l || exit 1; \
	done
	install -D -m 0644 dist/linstor_sr_agent.py $(DESTDIR)$(LSR_DEST)/linstor_sr_agent.py
	install -d $(DESTDIR)$(UNIT_DEST)
	sed -e 's|@LSR_DEST@|$(LSR_DEST)|g' -e 's|@NODE_BIN@|$(NODE_BIN)|g' packaging/linstor-sr-agent.service > $(DESTDIR)$(UNIT_DEST)/linstor-sr-agent.service
	chmod 0644 $(DESTDIR)$(UNIT_DEST)/linstor-sr-agent.service
	install -D -m 0644 dist/sm-lock-helper.py $(DESTDIR)$(LSR_DEST)/sm-lock-helper.py
	$(if $(NODE_DIST),node scripts/node-runtime.mjs "$(NODE_DIST)" $(DESTDIR)$(LSR_DEST)/node)
	$(call install-link,$(LSR_DEST)/linstor-sr-switch,$(BIN_DEST)/linstor-sr-switch)
	$(call install-link,$(LSR_DEST)/linstor-health,$(BIN_DEST)/linstor-health)
	$(call install-link,$(LSR_DEST)/linstor-vhd-util,$(BIN_DEST)/linstor-vhd-util)
	$(call install-link,$(LSR_DEST)/linstor-sr-switch-plugin,$(PLUGIN_DEST)/linstor-sr-switch)
	install -d $(DESTDIR)$(STATE_DEST)

# dist/rpm/linstor-sr-<version>-$(RELEASE).x86_64.rpm, the Node runtime taken from NODE_DIST.
rpm: $(if $(SKIP_BUILD),,build)
	NODE_DIST="$(NODE_DIST)" RELEASE="$(RELEASE)" node scripts/rpm.mjs

clean:
	rm -rf dist
