# Thin wrapper over npm. `make install DESTDIR=<dir> NODE=<path to node on dom0>` installs the bundles
# where sm installs its files, with NODE written into their shebangs (XAPI runs drivers with a bare PATH).
DESTDIR ?=
NODE ?= /usr/bin/node
SM_DEST ?= /opt/xensource/sm
PLUGIN_DEST ?= /etc/xapi.d/plugins

.PHONY: build test bench lint typecheck install clean

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

# install-bin SRC DEST: copy a bundle and point its shebang at $(NODE).
define install-bin
	install -D -m 0755 dist/$(1) $(DESTDIR)$(2)
	sed -i '1s|^#!.*|#!$(NODE)|' $(DESTDIR)$(2)
endef

# SKIP_BUILD=1 installs what dist/ holds (tests run it after npm test built the bundles).
# XAPI runs $(SM_DEST)/LinstorSR: a link to the Python launcher LinstorSR.py, which execs the Node
# bundle in $(SM_DEST)/linstor-sr/ (and which sm's Python code can import as a module). That bundle answers
# sr_get_driver_info itself and loads the full driver, LinstorSR-main.cjs beside it, for every other call.
install: $(if $(SKIP_BUILD),,build)
	$(call install-bin,LinstorSR,$(SM_DEST)/linstor-sr/LinstorSR)
	$(call install-bin,LinstorSR-main.cjs,$(SM_DEST)/linstor-sr/LinstorSR-main.cjs)
	$(call install-bin,linstor-gc,$(SM_DEST)/linstor-sr/linstor-gc)
	install -D -m 0644 dist/sm-lock-helper.py $(DESTDIR)$(SM_DEST)/linstor-sr/sm-lock-helper.py
	install -D -m 0755 dist/LinstorSR.py $(DESTDIR)$(SM_DEST)/LinstorSR.py
	ln -sfn LinstorSR.py $(DESTDIR)$(SM_DEST)/LinstorSR
	$(call install-bin,linstor-manager,$(PLUGIN_DEST)/linstor-manager)
	$(call install-bin,linstor-vhd-util,/opt/xensource/bin/linstor-vhd-util)
	$(call install-bin,linstor-kv-tool,/opt/xensource/bin/linstor-kv-tool)
	$(call install-bin,linstor-health,/opt/xensource/bin/linstor-health)

clean:
	rm -rf dist
