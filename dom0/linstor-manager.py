#!/usr/bin/env python3
"""/opt/xensource/sm/linstor-sr/linstor-manager.py: the linstor-manager XAPI plugin's entry.

`linstor-sr-switch enable` links /etc/xapi.d/plugins/linstor-manager to this file. It hands the call to
the host's agent (linstor-sr-agent, through linstor_sr_agent.py) or, when no agent takes it, execs the
bundled Node plugin (linstor-manager beside this file) with the same argv, on the package's own Node
runtime when there is one.
"""
import os
import sys

_HERE = os.path.dirname(os.path.realpath(__file__))

if __name__ == "__main__":
    sys.path.insert(0, _HERE)
    import linstor_sr_agent

    linstor_sr_agent.run_in_agent("linstor-manager", sys.argv[1:])
    bundle = os.path.join(_HERE, "linstor-manager")
    node = os.path.join(_HERE, "node", "bin", "node")
    if os.access(node, os.X_OK):
        os.execv(node, [node, bundle] + sys.argv[1:])
    os.execv(bundle, [bundle] + sys.argv[1:])
