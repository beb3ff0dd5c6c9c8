//! `drsim init --from-planner`: the Deployment Planner's Compatible VMs
//! sheet (CSV or workbook) and RVTools exports become estates that
//! validate and run; bad rows are named by line; the shipped estate is the
//! import of the shipped 1,000-row sample.

use drsim::scenario::Scenario;

use crate::support::{drsim, repo, stderr};

fn init(args: &[&str], out: &std::path::Path) -> std::process::Output {
    let mut all = vec!["init"];
    all.extend_from_slice(args);
    all.extend(["--out", out.to_str().expect("utf-8"), "--force"]);
    drsim(&all)
}

#[test]
fn the_planner_sample_becomes_an_estate_that_validates_and_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let csv_out = dir.path().join("from-csv.toml");
    let o = init(
        &[
            "--from-planner",
            "scenarios/planner-sample.csv",
            "--plan-by",
            "Application",
        ],
        &csv_out,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("EFI VMs"), "EFI machines are flagged");
    let s = Scenario::from_path(&csv_out).expect("validates");
    assert_eq!(s.vms.len(), 40);
    // Infrastructure (two domain controllers, one DNS server) first, then
    // one plan per application in the file's order.
    let order: Vec<&str> = s
        .plan_order()
        .iter()
        .map(|&p| s.plans[p].id.as_str())
        .collect();
    assert_eq!(order[0], "infrastructure");
    assert_eq!(s.plans[0].vms.len(), 3);
    assert_eq!(&order[1..4], ["erp", "crm", "billing"]);
    // Churn is a daily profile, not a constant.
    assert!(matches!(
        s.vms[0].churn,
        drsim::scenario::Churn::Daily { .. }
    ));
    assert!(
        s.vms.iter().any(|v| v.cores > 2),
        "cores as the Planner reports them"
    );
    // The same sheet as a workbook gives the same scenario.
    let xlsx_out = dir.path().join("from-xlsx.toml");
    let o = init(
        &[
            "--from-planner",
            "tests/fixtures/planner-sample.xlsx",
            "--plan-by",
            "Application",
        ],
        &xlsx_out,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let body = |p: &std::path::Path| {
        std::fs::read_to_string(p)
            .expect("written")
            .lines()
            .filter(|l| !l.contains("planner-sample"))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(body(&csv_out), body(&xlsx_out));
    let results = dir.path().join("results");
    let o = drsim(&[
        "run",
        csv_out.to_str().expect("utf-8"),
        "-n",
        "40",
        "--quiet",
        "--no-charts",
        "--out",
        results.to_str().expect("utf-8"),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let summary = std::fs::read_to_string(results.join("summary.csv")).expect("summary");
    assert!(summary.contains("rto_plan_infrastructure_s"));
}

#[test]
fn the_shipped_estate_is_the_import_of_the_1000_row_sample_in_10_plans() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("estate.toml");
    let o = init(
        &[
            "--from-planner",
            "scenarios/planner-1000.csv",
            "--churn",
            "constant",
        ],
        &out,
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let written = std::fs::read_to_string(&out).expect("written");
    let shipped =
        std::fs::read_to_string(repo().join("scenarios/estate-1000.toml")).expect("shipped");
    assert!(
        written == shipped,
        "scenarios/estate-1000.toml is not what scripts/estate-1000.sh makes: rerun it"
    );
    let s = Scenario::from_path(&out).expect("validates");
    assert_eq!(s.vms.len(), 1000);
    assert_eq!(s.plans.len(), 10);
    assert!(s.plans.iter().all(|p| p.vms.len() == 100));
}

#[test]
fn bad_planner_rows_are_named_by_line_and_nothing_is_written() {
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("planner.csv");
    std::fs::write(
        &csv,
        "Compatible VMs\n\
         VM Name,VM Compatibility,Peak Data Churn in MB/s (with Growth Factor),Disk size (GB),Cores,Boot Type,OS Type\n\
         app01,Yes,2.5,512,4,BIOS,Windows\n\
         app02,Yes,lots,512,4,BIOS,Windows\n\
         app03,Yes,1.5,-3,4,BIOS,Linux\n\
         app04,Yes,1.5,256,four,EFI,Linux\n",
    )
    .expect("csv");
    let out = dir.path().join("estate.toml");
    let o = init(&["--from-planner", csv.to_str().expect("utf-8")], &out);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    let file = csv.display().to_string();
    for expected in [
        format!("{file}:4: Peak Data Churn in MB/s (with Growth Factor) `lots` (VM `app02`)"),
        format!("{file}:5: "),
        format!("{file}:6: cores `four` (VM `app04`)"),
    ] {
        assert!(err.contains(&expected), "{expected} in {err}");
    }
    assert!(!out.exists(), "nothing written");
    // A header without the needed columns says which it has.
    std::fs::write(&csv, "VM Name,Cores\napp01,4\n").expect("csv");
    let o = init(&["--from-planner", csv.to_str().expect("utf-8")], &out);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("no disk size column"), "{}", stderr(&o));
}

#[test]
fn an_rvtools_export_gives_sizes_and_os_with_estimated_churn() {
    let dir = tempfile::tempdir().expect("temp dir");
    let vinfo = dir.path().join("vInfo.csv");
    std::fs::write(
        &vinfo,
        "VM,Powerstate,CPUs,Memory,Provisioned MiB,In Use MiB,Firmware,OS according to the configuration file\n\
         corp-dc01,poweredOn,2,8192,102400,40960,bios,Microsoft Windows Server 2019 (64-bit)\n\
         web01,poweredOn,4,16384,204800,81920,efi,Red Hat Enterprise Linux 8 (64-bit)\n",
    )
    .expect("csv");
    let out = dir.path().join("estate.toml");
    let o = init(&["--from-rvtools", vinfo.to_str().expect("utf-8")], &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(&out).expect("written");
    assert!(text.contains("NOT MEASURED"), "the churn estimate is said");
    let s = Scenario::from_path(&out).expect("validates");
    assert_eq!(
        s.plans.len(),
        2,
        "the domain controller first, in its own plan"
    );
    assert_eq!(s.vms[1].cores, 4);
    // 200 GiB at 5 % a day: about 124 KB/s on average.
    let web = &s.vms[1];
    assert!((web.disk_bytes - 200.0 * 1024.0 * 1024.0 * 1024.0).abs() < 1.0);
}

#[test]
fn rvtools_disks_are_their_capacity_and_the_data_in_use_is_what_a_checksum_reads() {
    // vInfo's "Provisioned MiB" adds swap and snapshots: the disks are
    // "Total disk capacity MiB", and "In Use MiB" is the data on them.
    let dir = tempfile::tempdir().expect("temp dir");
    let vinfo = dir.path().join("vInfo.csv");
    std::fs::write(
        &vinfo,
        "VM,Powerstate,CPUs,Provisioned MiB,In Use MiB,Total disk capacity MiB\n\
         app01,poweredOn,2,150000,40960,102400\n",
    )
    .expect("csv");
    let out = dir.path().join("estate.toml");
    let o = init(&["--from-rvtools", vinfo.to_str().expect("utf-8")], &out);
    assert!(o.status.success(), "{}", stderr(&o));
    let s = Scenario::from_path(&out).expect("validates");
    let mib = 1024.0 * 1024.0;
    assert!((s.vms[0].disk_bytes - 102_400.0 * mib).abs() < 1.0);
    assert!((s.vms[0].used_bytes - 40_960.0 * mib).abs() < 1e6);
}

#[test]
fn the_planners_older_churn_header_is_read_in_megabits_and_the_growth_can_be_taken_out() {
    // Older Planner reports head the column "Data Churn in Mbps (with Growth
    // Factor)": megabits per second. 80 Mbps is 10 MB/s; without the 30 %
    // growth factor, 10 / 1.3 MB/s; the constant shape writes that rate.
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("planner.csv");
    std::fs::write(
        &csv,
        "VM Name,Disk size (GB),Data Churn in Mbps (with Growth Factor),Cores\n\
         sql01,500,80,4\n",
    )
    .expect("csv");
    let rate = |extra: &[&str]| -> f64 {
        let out = dir.path().join("estate.toml");
        let mut args = vec![
            "--from-planner",
            csv.to_str().expect("utf-8"),
            "--churn",
            "constant",
        ];
        args.extend_from_slice(extra);
        let o = init(&args, &out);
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(
            stderr(&o).contains("in Mbps (megabits per second"),
            "the unit read is said: {}",
            stderr(&o)
        );
        let s = Scenario::from_path(&out).expect("validates");
        s.vms[0].churn.mean_rate()
    };
    let with = rate(&[]);
    assert!((with - 10e6).abs() < 1e4, "{with}");
    let without = rate(&["--without-growth-factor"]);
    assert!((without - 10e6 / 1.3).abs() < 1e4, "{without}");
}

#[test]
fn the_planners_observed_daily_churn_is_checked_against_the_import() {
    // Two VMs at a 10 MB/s peak: drsim's daily profile makes 1.06 TB a day
    // of them. The workbook's "On-premises summary" says 1,000 GB (they
    // agree: a note) or 100 GB (over 8-fold apart: a warning naming the
    // unit and the growth factor). scripts/planner_summary_fixture.py wrote both.
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("estate.toml");
    let run = |name: &str| {
        let file = repo().join("tests/fixtures").join(name);
        let o = init(&["--from-planner", file.to_str().expect("utf-8")], &out);
        assert!(o.status.success(), "{}", stderr(&o));
        stderr(&o)
    };
    let agrees = run("planner-summary-agrees.xlsx");
    assert!(
        agrees.contains("note: the Planner's \"Observed typical data churn per day\" (On-premises summary) is 1 TB; the imported VMs' mean churn comes to 1.06 TB a day"),
        "{agrees}"
    );
    let apart = run("planner-summary-8x.xlsx");
    assert!(
        apart.contains("warning: ") && apart.contains("differ 8-fold or more"),
        "{apart}"
    );
}
