//! `drsim init`: starter scenarios that validate and run, and a CSV import
//! that names its bad rows.

use crate::support::{drsim, stderr, stdout};

#[test]
fn every_template_validates_and_runs() {
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("vms.csv");
    std::fs::write(
        &csv,
        "name,disk_size,churn,group\nsql01,1 TiB,120 GB/day,db\napp01,200 GB,20 GB/day,app\napp02,200 GB,20 GB/day,app\nweb01,100 GB,5 GB/day,web\n",
    )
    .expect("csv");
    for template in ["one-vm", "three-tier", "estate"] {
        let file = dir.path().join(format!("{template}.toml"));
        let file = file.to_str().expect("utf-8");
        let mut args = vec!["init", "--template", template, "--out", file];
        if template == "estate" {
            args.extend(["--vms", csv.to_str().expect("utf-8")]);
        }
        let o = drsim(&args);
        assert!(o.status.success(), "{template}: {}", stderr(&o));
        let o = drsim(&["validate", file]);
        assert!(o.status.success(), "{template}: {}", stderr(&o));
        assert!(
            !stdout(&o).contains("warning"),
            "{template}: {}",
            stdout(&o)
        );
        let out = dir.path().join(format!("{template}-out"));
        let o = drsim(&[
            "run",
            file,
            "-n",
            "50",
            "--quiet",
            "--no-charts",
            "--out",
            out.to_str().expect("utf-8"),
        ]);
        assert!(o.status.success(), "{template}: {}", stderr(&o));
        // Nothing is overwritten without --force.
        let o = drsim(&["init", "--template", "one-vm", "--out", file]);
        assert_eq!(o.status.code(), Some(2), "{template}");
    }
    let estate = std::fs::read_to_string(dir.path().join("estate.toml")).expect("estate");
    assert!(estate.contains("disk_size = \"1 TiB\""), "sizes as written");
    assert!(estate.matches("[[vm]]").count() == 4 && estate.matches("[[group]]").count() == 3);
}

#[test]
fn a_bad_csv_row_is_named_with_its_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("vms.csv");
    std::fs::write(
        &csv,
        "name,disk_size,churn,group\nsql01,1 TiB,120 GB/day,db\napp01,two hundred GB,20 GB/day,app\nsql01,1 TiB,1 GB/day,db\nweb01,100 GB,5 GB/week,web\n",
    )
    .expect("csv");
    let out = dir.path().join("estate.toml");
    let o = drsim(&[
        "init",
        "--template",
        "estate",
        "--vms",
        csv.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    let file = csv.display().to_string();
    for expected in [
        format!("{file}:3: disk_size"),
        format!("{file}:4: VM `sql01` appears twice"),
        format!("{file}:5: churn"),
    ] {
        assert!(err.contains(&expected), "{expected} in {err}");
    }
    assert!(!out.exists(), "nothing written");
}

#[test]
fn vms_alone_means_the_estate_and_another_template_with_vms_is_refused() {
    // Before: `init --vms FILE` wrote the three-tier template, ignoring the file.
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("vms.csv");
    std::fs::write(
        &csv,
        "name,disk_size,churn,group\nsql01,1 TiB,120 GB/day,db\n",
    )
    .expect("csv");
    let csv = csv.to_str().expect("utf-8");
    let file = dir.path().join("estate.toml");
    let file = file.to_str().expect("utf-8");
    let o = drsim(&["init", "--vms", csv, "--out", file]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = std::fs::read_to_string(file).expect("written");
    assert!(text.contains("id = \"sql01\""), "{text}");
    let other = dir.path().join("other.toml");
    let o = drsim(&[
        "init",
        "--template",
        "one-vm",
        "--vms",
        csv,
        "--out",
        other.to_str().expect("utf-8"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("--vms"), "{}", stderr(&o));
    assert!(!other.exists(), "nothing written");
    let o = drsim(&["init", "--template", "two-tier", "--out", file]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("one-vm"),
        "the valid templates: {}",
        stderr(&o)
    );
}

#[test]
fn csv_values_are_written_as_toml_strings_and_rows_that_would_not_validate_are_named() {
    // Before: a name with a quote, a backslash or a newline wrote a file that
    // did not parse, a crafted name injected a key that validated, and a
    // 0 GiB disk wrote a scenario that failed validation, all with exit 0.
    let dir = tempfile::tempdir().expect("temp dir");
    let init = |csv_text: &str, name: &str| {
        let csv = dir.path().join(format!("{name}.csv"));
        std::fs::write(&csv, csv_text).expect("csv");
        let out = dir.path().join(format!("{name}.toml"));
        let o = drsim(&[
            "init",
            "--vms",
            csv.to_str().expect("utf-8"),
            "--out",
            out.to_str().expect("utf-8"),
        ]);
        (o, out)
    };
    let hostile = "name,disk_size,churn,group\n\"a \"\"quoted\"\" \\\\ name\",100 GB,5 GB/day,db\n\"two\nlines\",100 GB,5 GB/day,db\n\"x\"\"\nweight = 1e-12\nq = \"\"\",100 GB,5 GB/day,app\n";
    let (o, out) = init(hostile, "hostile");
    assert!(o.status.success(), "{}", stderr(&o));
    let s = drsim::scenario::Scenario::from_path(&out).expect("the written scenario validates");
    let ids: Vec<&str> = s.vms.iter().map(|v| v.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "a \"quoted\" \\\\ name",
            "two\nlines",
            "x\"\nweight = 1e-12\nq = \""
        ]
    );
    assert!(s.vms.iter().all(|v| v.weight == 1.0), "no key injected");

    let bad = "name,disk_size,churn,group\nok,100 GB,5 GB/day,db\nempty,0 GiB,5 GB/day,db\n";
    let (o, out) = init(bad, "bad");
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains(":3: VM `empty`"), "{}", stderr(&o));
    assert!(!out.exists(), "nothing written");
}
