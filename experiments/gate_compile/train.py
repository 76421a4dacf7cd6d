"""Train the gate-compile task: a thin layer over `qdesign train gate-compile` (same flags).

    python experiments/gate_compile/train.py --config experiments/configs/gate_compile/<preset>.yaml --seed 0
"""

import sys

from qdesign.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", "gate-compile", *sys.argv[1:]]))
