#!/bin/bash
# A fleet check over 4 processes (or 4 machines with parallel's --sshlogin): job K of N takes
# shard K/N; {#} is GNU parallel's 1-based job number, as --shard expects.
set -euo pipefail
parallel -j 4 'smtp-tls-check batch --shard {#}/4 --rate 25 --no-progress targets.txt > shard-{#}.jsonl' ::: 1 2 3 4
