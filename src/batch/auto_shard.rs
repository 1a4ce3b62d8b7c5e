//! `--shard auto`: the shard a job runner gave this process, read from its environment.

use super::Shard;

/// Where the shard came from, for the line on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShardSource {
    /// A Kubernetes Indexed Job: `JOB_COMPLETION_INDEX`, 0-based.
    Kubernetes,
    /// A Slurm job array: `SLURM_ARRAY_TASK_ID` within `_MIN`, `_STEP`, `_COUNT`.
    Slurm,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AutoShardError {
    #[error("--shard auto: neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor SLURM_ARRAY_TASK_ID (Slurm array) is set; give --shard K/N")]
    NoRunner,
    #[error("--shard auto: JOB_COMPLETION_INDEX is set but the number of shards is not: give --shard-count N or set SMTP_TLS_CHECK_SHARD_COUNT (the Job's completions)")]
    NoCount,
    #[error("--shard auto: {name}={value:?} is not a usable number")]
    Bad { name: &'static str, value: String },
    #[error("--shard auto: index {index} (0-based) is outside {count} shards")]
    OutOfRange { index: u64, count: u64 },
}

/// Reads the shard from `env` (`std::env::var` in the binary; a table in tests). Kubernetes is
/// tried first: a Slurm variable leaking into a pod is less likely than the reverse.
pub fn shard_from_env(
    env: impl Fn(&str) -> Option<String>,
    count_flag: Option<u64>,
) -> Result<(Shard, ShardSource), AutoShardError> {
    let num = |name: &'static str| -> Result<Option<u64>, AutoShardError> {
        match env(name) {
            None => Ok(None),
            Some(v) if v.trim().is_empty() => Ok(None),
            Some(v) => v
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| AutoShardError::Bad { name, value: v }),
        }
    };
    let make = |index: u64, count: u64, source| {
        if count == 0 || index >= count {
            return Err(AutoShardError::OutOfRange { index, count });
        }
        Ok((
            Shard {
                index: index + 1,
                count,
            },
            source,
        ))
    };
    if let Some(index) = num("JOB_COMPLETION_INDEX")? {
        let count = count_flag.ok_or(AutoShardError::NoCount)?;
        return make(index, count, ShardSource::Kubernetes);
    }
    if let Some(id) = num("SLURM_ARRAY_TASK_ID")? {
        let min = num("SLURM_ARRAY_TASK_MIN")?.unwrap_or(0);
        let step = num("SLURM_ARRAY_TASK_STEP")?.unwrap_or(1).max(1);
        let count = match (count_flag, num("SLURM_ARRAY_TASK_COUNT")?) {
            (Some(n), _) | (None, Some(n)) => n,
            (None, None) => match num("SLURM_ARRAY_TASK_MAX")? {
                Some(max) if max >= min => (max - min) / step + 1,
                _ => {
                    return Err(AutoShardError::Bad {
                        name: "SLURM_ARRAY_TASK_COUNT",
                        value: String::new(),
                    })
                }
            },
        };
        let offset = id
            .checked_sub(min)
            .ok_or(AutoShardError::OutOfRange { index: id, count })?;
        return make(offset / step, count, ShardSource::Slurm);
    }
    Err(AutoShardError::NoRunner)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn kubernetes_index_is_zero_based_and_needs_a_count() {
        let e = [("JOB_COMPLETION_INDEX", "0")];
        assert_eq!(shard_from_env(env(&e), None), Err(AutoShardError::NoCount));
        let (s, src) = shard_from_env(env(&e), Some(4)).expect("shard");
        assert_eq!(
            (s.to_string(), src),
            ("1/4".into(), ShardSource::Kubernetes)
        );
        let e = [("JOB_COMPLETION_INDEX", "4")];
        assert!(shard_from_env(env(&e), Some(4)).is_err());
    }

    #[test]
    fn slurm_arrays_with_min_step_and_count() {
        let e = [
            ("SLURM_ARRAY_TASK_ID", "5"),
            ("SLURM_ARRAY_TASK_MIN", "1"),
            ("SLURM_ARRAY_TASK_MAX", "9"),
            ("SLURM_ARRAY_TASK_STEP", "2"),
            ("SLURM_ARRAY_TASK_COUNT", "5"),
        ];
        let (s, src) = shard_from_env(env(&e), None).expect("shard");
        assert_eq!((s.to_string(), src), ("3/5".into(), ShardSource::Slurm));
        let e = [
            ("SLURM_ARRAY_TASK_ID", "0"),
            ("SLURM_ARRAY_TASK_MIN", "0"),
            ("SLURM_ARRAY_TASK_MAX", "3"),
        ];
        assert_eq!(
            shard_from_env(env(&e), None).expect("shard").0.to_string(),
            "1/4"
        );
        assert_eq!(
            shard_from_env(env(&[]), None),
            Err(AutoShardError::NoRunner)
        );
        let e = [("SLURM_ARRAY_TASK_ID", "x")];
        assert!(matches!(
            shard_from_env(env(&e), None),
            Err(AutoShardError::Bad { .. })
        ));
    }
}
