"""Train the weight-reduce task: a thin layer over `qdesign train weight-reduce` (same flags).

    python experiments/weight_reduce/train.py \
        --config experiments/configs/weight_reduce/<preset>.yaml --seed 0
"""

import sys

from qdesign.cli import main

if __name__ == "__main__":
    sys.exit(main(["train", "weight-reduce", *sys.argv[1:]]))
