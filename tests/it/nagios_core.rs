//! The nagios output run by a real plugin runner: Nagios Core 4 (Debian `nagios4-core`),
//! started here with a private configuration in a temporary directory (no /etc/nagios4, no
//! system service), its checks pointed at the lab's servers. The states, outputs and
//! performance data are read back from its own `status.dat`, as its CGIs read them.

use std::collections::HashMap;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use super::common::bin;
use super::monitor::{tool, Lab};

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `servicestatus` blocks of status.dat, by service description.
fn service_status(path: &Path) -> HashMap<String, HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let mut out = HashMap::new();
    let mut current: Option<HashMap<String, String>> = None;
    for line in text.lines() {
        let line = line.trim();
        if line == "servicestatus {" {
            current = Some(HashMap::new());
        } else if line == "}" {
            if let Some(block) = current.take() {
                if let Some(name) = block.get("service_description") {
                    out.insert(name.clone(), block);
                }
            }
        } else if let (Some(block), Some((k, v))) = (current.as_mut(), line.split_once('=')) {
            block.insert(k.to_string(), v.to_string());
        }
    }
    out
}

fn user() -> String {
    Command::new("id")
        .arg("-un")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_else(|_| "root".into())
}

#[test]
fn nagios_core_runs_the_plugin_and_reads_states_and_perfdata() {
    let Some(nagios) = tool("/usr/sbin/nagios4", "nagios4-core") else {
        return;
    };
    let lab = Lab::new();
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().display().to_string();
    std::fs::create_dir(dir.path().join("checkresults")).expect("mkdir");
    let exe = bin().get_program().to_string_lossy().into_owned();
    let common = format!(
        "{exe} --output nagios --ca-file {} --tls-name mx1.good.test --timeout 3",
        lab.pki.ca_arg()
    );
    let services = [
        (
            "good",
            format!("{common} --warn-days 21 --crit-days 7 {}", lab.good()),
        ),
        (
            "expiring",
            format!("{common} --crit-days 400 {}", lab.good()),
        ),
        ("seeds", format!("{common} {}", lab.bad())),
        ("refused", format!("{common} {}", lab.refused())),
        (
            "usage",
            format!("{common} --timeout nonsense {}", lab.good()),
        ),
    ];
    let mut objects = String::from(
        "define timeperiod {\n timeperiod_name always\n alias always\n sunday 00:00-24:00\n monday 00:00-24:00\n tuesday 00:00-24:00\n wednesday 00:00-24:00\n thursday 00:00-24:00\n friday 00:00-24:00\n saturday 00:00-24:00\n}\n\
         define command {\n command_name ok\n command_line /bin/true\n}\n\
         define contact {\n contact_name nobody\n host_notifications_enabled 0\n service_notifications_enabled 0\n host_notification_period always\n service_notification_period always\n host_notification_options n\n service_notification_options n\n host_notification_commands ok\n service_notification_commands ok\n}\n\
         define host {\n host_name lab\n address 127.0.0.1\n check_command ok\n max_check_attempts 1\n check_period always\n contacts nobody\n notification_interval 0\n notification_period always\n}\n",
    );
    for (name, line) in &services {
        objects.push_str(&format!(
            "define command {{\n command_name check_{name}\n command_line {line}\n}}\n\
             define service {{\n host_name lab\n service_description {name}\n check_command check_{name}\n max_check_attempts 1\n check_interval 60\n retry_interval 60\n check_period always\n contacts nobody\n notification_interval 0\n notification_period always\n}}\n"
        ));
    }
    std::fs::write(dir.path().join("objects.cfg"), objects).expect("objects");
    let user = user();
    std::fs::write(
        dir.path().join("nagios.cfg"),
        format!(
            "log_file={d}/nagios.log\ncfg_file={d}/objects.cfg\nobject_cache_file={d}/objects.cache\n\
             precached_object_file={d}/objects.precache\nstatus_file={d}/status.dat\nstatus_update_interval=1\n\
             nagios_user={user}\nnagios_group={user}\ncheck_result_path={d}/checkresults\ncheck_result_reaper_frequency=1\n\
             lock_file={d}/nagios.lock\ntemp_file={d}/nagios.tmp\ntemp_path={d}\nquery_socket={d}/nagios.qh\n\
             state_retention_file={d}/retention.dat\nretain_state_information=0\ncheck_external_commands=0\n\
             interval_length=1\nenable_notifications=0\nenable_event_handlers=0\nlog_rotation_method=n\nuse_syslog=0\n\
             max_service_check_spread=1\nservice_inter_check_delay_method=n\nhost_inter_check_delay_method=n\n\
             illegal_macro_output_chars=`~$&|'\"<>\n"
        ),
    )
    .expect("nagios.cfg");
    let config = dir.path().join("nagios.cfg");
    let verify = Command::new(&nagios)
        .arg("-v")
        .arg(&config)
        .output()
        .expect("nagios4 -v");
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    let _nagios = Killed(
        Command::new(&nagios)
            .arg(&config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nagios4"),
    );

    let status = dir.path().join("status.dat");
    let until = Instant::now() + Duration::from_secs(60);
    let states = loop {
        let s = service_status(&status);
        let checked = s
            .values()
            .filter(|b| b.get("has_been_checked").map(String::as_str) == Some("1"))
            .count();
        if checked == services.len() {
            break s;
        }
        let log = std::fs::read_to_string(dir.path().join("nagios.log")).unwrap_or_default();
        assert!(
            Instant::now() < until,
            "Nagios did not run every check:\n{log}"
        );
        std::thread::sleep(Duration::from_millis(300));
    };
    let get = |svc: &str, key: &str| states[svc].get(key).cloned().unwrap_or_default();
    for (svc, state) in [
        ("good", "0"),
        ("expiring", "2"),
        ("seeds", "2"),
        ("refused", "2"),
        ("usage", "3"),
    ] {
        assert_eq!(get(svc, "current_state"), state, "{svc}: {:?}", states[svc]);
    }
    // Nagios split the status line from the perfdata and the long output as the guidelines say.
    assert!(
        get("good", "plugin_output").starts_with("SMTP-TLS OK - "),
        "{:?}",
        states["good"]
    );
    let perf = get("good", "performance_data");
    assert!(
        perf.starts_with("'time'=") && perf.contains("'handshake_time'="),
        "{perf}"
    );
    assert!(
        perf.contains("'cert_days_left'=") && perf.ends_with(";21:;7:"),
        "{perf}"
    );
    assert!(
        get("seeds", "long_plugin_output").contains("starttls-in-greeting"),
        "{:?}",
        states["seeds"]
    );
    assert!(
        get("usage", "plugin_output").starts_with("SMTP-TLS UNKNOWN - "),
        "{:?}",
        states["usage"]
    );
}
