#!/bin/bash
# A fleet check as a Slurm job array: 16 tasks, each takes one shard of the list.
# `--shard auto` reads SLURM_ARRAY_TASK_ID with _MIN, _STEP and _COUNT (or _MAX).
#SBATCH --job-name=smtp-tls-fleet
#SBATCH --array=1-16
#SBATCH --cpus-per-task=1
#SBATCH --time=00:30:00
#SBATCH --output=smtp-tls-%A_%a.jsonl
set -euo pipefail
exec smtp-tls-check batch --shard auto --rate 10 --no-progress targets.txt
