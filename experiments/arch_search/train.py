"""Train the arch-search task: a thin layer over `qdesign train arch-search` (same flags).

    python experiments/arch_search/train.py --config experiments/configs/arch_search/<preset>.yaml --seed 0
"""

import sys

from qdesign.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", "arch-search", *sys.argv[1:]]))
