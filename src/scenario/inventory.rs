//! Inventories an estate scenario is built from (`drsim init`): the ASR
//! Deployment Planner's "Compatible VMs" sheet (.xlsx, or saved as CSV), an
//! RVTools vInfo or vDisk export (CSV), or drsim's own CSV (name, disk_size,
//! churn, group). Each becomes a list of [`InventoryVm`]; every row that
//! cannot be read is named by its line (its row in a workbook).
//!
//! Headers are matched tolerantly: case, spacing, punctuation and a unit in
//! the name ("Peak Data Churn in Mbps (with Growth Factor)", "Disk size (GB)")
//! do not matter; the unit, when the header names one, reads cells that are
//! plain numbers. Columns are those the Planner documents
//! (site-recovery-vmware-deployment-planner-analyze-report.md, "Compatible
//! virtual machines"): docs/estate.md lists what each becomes.

use super::units::QuantityKind;

/// One VM of an inventory.
#[derive(Debug, Clone, PartialEq)]
pub struct InventoryVm {
    pub name: String,
    /// Where it was read: a CSV line or a worksheet row (1-based).
    pub line: usize,
    /// Its disks together, bytes.
    pub disk_bytes: f64,
    /// The same as the inventory wrote it ("1 TiB", "512 GB"), for the scenario.
    pub disk_text: String,
    pub disks: Option<u32>,
    /// Write rate, bytes/s: the Planner's 95th-percentile peak with its
    /// growth factor ([`ChurnFigure::Peak`]), or a mean.
    pub churn: f64,
    pub cores: Option<u32>,
    /// `windows` or `linux` when the inventory says.
    pub os: Option<&'static str>,
    /// Boots with EFI: the Planner notes ASR fails such VMs over but does
    /// not fail them back.
    pub efi: bool,
    /// The value of the grouping column (`--plan-by`), or drsim's CSV's group.
    pub group: Option<String>,
    /// The Planner's "Azure VM Size", kept as a comment.
    pub azure_size: Option<String>,
    /// The data on its disks, bytes, when the inventory says (RVTools' "In
    /// Use MiB"): what a reprotect's checksum reads.
    pub used_bytes: Option<f64>,
}

/// What an inventory's churn figure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChurnFigure {
    /// The Deployment Planner's: a 95th-percentile peak with growth.
    Peak,
    /// A mean (drsim's CSV: e.g. "50 GB/day"), or none (RVTools).
    Mean,
    /// The inventory has no churn (RVTools): an estimate is used.
    Missing,
}

/// An inventory read: its VMs, what its churn figure is, and its kind.
#[derive(Debug, Clone)]
pub struct Inventory {
    pub vms: Vec<InventoryVm>,
    pub churn: ChurnFigure,
    /// "Deployment Planner", "RVTools vInfo", ...
    pub source_kind: &'static str,
    /// The churn column as the header names it, and the unit read from it
    /// (the header's, else MB/s), for the note `init` prints.
    pub churn_column: Option<(String, String)>,
}

/// A header cell, for matching: lower case, letters and digits only,
/// without what is in parentheses and without a trailing "in <unit>".
fn header_key(header: &str) -> String {
    let mut text = String::new();
    let mut depth = 0;
    for c in header.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = i32::max(depth - 1, 0),
            _ if depth == 0 => text.push(c),
            _ => {}
        }
    }
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower.split_whitespace().collect();
    let cut = match words.iter().rposition(|w| *w == "in") {
        Some(i) if i + 2 == words.len() && header_unit(words[i + 1]).is_some() => i,
        _ => words.len(),
    };
    words[..cut]
        .concat()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// A rate or size unit a header names ("Mbps", "MB/s", "GB", "MiB"), as the
/// text to put after a plain number.
fn header_unit(word: &str) -> Option<&'static str> {
    match word.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '/') {
        "mbps" | "Mbps" => Some("Mbps"),
        "mb/s" | "MB/s" | "mbs" | "MBps" | "mbytes/s" => Some("MB/s"),
        "kb/s" | "KB/s" => Some("KB/s"),
        "gb" | "GB" => Some("GB"),
        "gib" | "GiB" => Some("GiB"),
        "mb" | "MB" => Some("MB"),
        "mib" | "MiB" => Some("MiB"),
        "tb" | "TB" => Some("TB"),
        _ => None,
    }
}

/// The unit a header names, if any: in parentheses or after "in".
fn unit_of(header: &str) -> Option<&'static str> {
    header
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
        .filter(|w| !w.is_empty())
        .find_map(|w| header_unit(w).or_else(|| header_unit(&w.to_lowercase())))
}

/// The columns of a header row, found by key.
struct Columns {
    keys: Vec<String>,
    units: Vec<Option<&'static str>>,
    raw: Vec<String>,
}

impl Columns {
    fn new(header: &[String]) -> Self {
        Columns {
            keys: header.iter().map(|h| header_key(h)).collect(),
            units: header.iter().map(|h| unit_of(h)).collect(),
            raw: header.to_vec(),
        }
    }

    /// The first column whose key is one of `names` (keys as [`header_key`]
    /// makes them).
    fn find(&self, names: &[&str]) -> Option<usize> {
        names
            .iter()
            .find_map(|n| self.keys.iter().position(|k| k == n))
    }

    fn list(&self) -> String {
        self.raw.join(", ")
    }
}

/// A quantity cell: a number with a unit, or a plain number in the
/// header's unit (else `default_unit`).
fn quantity(
    cell: &str,
    unit: Option<&str>,
    default_unit: &str,
    kind: QuantityKind,
) -> Result<(f64, String), String> {
    let cell = cell.trim().replace(',', "");
    let text = if cell.parse::<f64>().is_ok() {
        format!("{cell} {}", unit.unwrap_or(default_unit))
    } else {
        cell
    };
    kind.parse(&text)
        .map(|v| (v, text))
        .map_err(|e| e.to_string())
}

/// Where the inventory came from, for messages: `file` and what it is.
struct Reading<'a> {
    file: &'a str,
    problems: Vec<String>,
}

impl Reading<'_> {
    fn problem(&mut self, line: usize, message: impl std::fmt::Display) {
        self.problems
            .push(format!("{}:{line}: {message}", self.file));
    }
}

/// Reads an inventory from `rows` (the header first, then each row with its
/// line). The kind is told by the header.
pub fn read_rows(
    rows: Vec<(usize, Vec<String>)>,
    file: &str,
    plan_by: Option<&str>,
) -> Result<Inventory, Vec<String>> {
    let mut reading = Reading {
        file,
        problems: Vec::new(),
    };
    // The header: the first row naming a VM column (a Planner sheet may
    // open with title rows).
    let name_keys = ["vmname", "virtualmachinename", "vm", "name"];
    let Some(at) = rows.iter().position(|(_, cells)| {
        let c = Columns::new(cells);
        c.find(&name_keys).is_some()
    }) else {
        return Err(vec![format!(
            "{file}: no header row naming the VMs (a column `VM Name` as the Deployment Planner's Compatible VMs sheet has, `VM` as RVTools' vInfo or vDisk, or `name`)"
        )]);
    };
    let header_line = rows[at].0;
    let columns = Columns::new(&rows[at].1);
    let name = columns.find(&name_keys).unwrap_or(0);
    // The Planner's header; before, "Data Churn in Mbps (with Growth Factor)".
    let planner_churn = ["peakdatachurn", "datachurn"];
    let churn = columns
        .find(&planner_churn)
        .or_else(|| columns.find(&["churn"]));
    // RVTools: a VM's disks are "Total disk capacity MiB" (vInfo) or each
    // disk's "Capacity MiB" (vDisk); "Provisioned MiB" adds swap and
    // snapshots, so it is read only when neither is there. "In Use MiB" is
    // the data on them.
    let rv_disk = columns.find(&["totaldiskcapacitymib", "capacitymib", "provisionedmib"]);
    let in_use = columns.find(&["inusemib"]);
    let disk_column = columns.find(&["disksize"]).or(rv_disk);
    let Some(disk_column) = disk_column else {
        return Err(vec![format!(
            "{file}:{header_line}: no disk size column: the Planner's `Disk size (GB)`, RVTools' `Total disk capacity MiB` (vInfo) or `Capacity MiB` (vDisk), or `disk_size`; the header has {}",
            columns.list()
        )]);
    };
    let is_vdisk = columns.find(&["capacitymib"]).is_some();
    let (source_kind, figure) = match (churn, rv_disk.is_some()) {
        (Some(_), _) if columns.find(&planner_churn).is_some() => {
            ("Deployment Planner", ChurnFigure::Peak)
        }
        (Some(_), _) => ("CSV of VMs", ChurnFigure::Mean),
        (None, true) if is_vdisk => ("RVTools vDisk", ChurnFigure::Missing),
        (None, true) => ("RVTools vInfo", ChurnFigure::Missing),
        (None, false) => {
            return Err(vec![format!(
                "{file}:{header_line}: no churn column (`Peak Data Churn (with Growth Factor)` or `churn`); the header has {}",
                columns.list()
            )]);
        }
    };
    let cores = columns.find(&["cores", "cpus", "numcpu"]);
    let disks = columns.find(&["numberofdisks", "disks"]);
    let boot = columns.find(&["boottype", "firmware"]);
    let os = columns.find(&[
        "ostype",
        "osaccordingtotheconfigurationfile",
        "osaccordingtothevmwaretools",
        "os",
    ]);
    let azure_size = columns.find(&["azurevmsize", "azurevirtualmachinesize"]);
    let group = match plan_by {
        Some(column) => match columns.find(&[header_key(column).as_str()]) {
            Some(c) => Some(c),
            None => {
                return Err(vec![format!(
                    "{file}:{header_line}: --plan-by `{column}`: no such column; the header has {}",
                    columns.list()
                )]);
            }
        },
        None => columns.find(&["group"]),
    };
    let mut vms: Vec<InventoryVm> = Vec::new();
    for (line, cells) in rows.into_iter().skip(at + 1) {
        let cell = |c: Option<usize>| {
            c.and_then(|c| cells.get(c))
                .map(|s| s.trim().to_string())
                .unwrap_or_default()
        };
        let vm_name = cell(Some(name));
        if cells.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if vm_name.is_empty() {
            reading.problem(line, "the VM name is empty");
            continue;
        }
        // The Planner lists each VM's disks under it: rows whose name is a
        // disk (a .vmdk) are the VM's, already in its totals.
        if vm_name.to_lowercase().ends_with(".vmdk") {
            continue;
        }
        let disk_unit = columns.units[disk_column].or(match rv_disk {
            Some(_) => Some("MiB"),
            None => None,
        });
        let (disk, disk_text) = match quantity(
            &cell(Some(disk_column)),
            disk_unit,
            "GB",
            QuantityKind::Size,
        ) {
            Ok((b, text)) if b > 0.0 => (b, text),
            Ok(_) => {
                reading.problem(
                    line,
                    format!(
                        "VM `{vm_name}`: {} must be above zero",
                        columns.raw[disk_column]
                    ),
                );
                continue;
            }
            Err(e) => {
                reading.problem(
                    line,
                    format!(
                        "{} `{}` (VM `{vm_name}`): {e}",
                        columns.raw[disk_column],
                        cell(Some(disk_column))
                    ),
                );
                continue;
            }
        };
        let rate = match churn {
            None => 0.0,
            Some(c) => match quantity(
                &cell(Some(c)),
                columns.units[c],
                "MB/s",
                QuantityKind::WriteRate,
            ) {
                Ok((r, _)) => r,
                Err(e) => {
                    reading.problem(
                        line,
                        format!(
                            "{} `{}` (VM `{vm_name}`): {e}",
                            columns.raw[c],
                            cell(Some(c))
                        ),
                    );
                    continue;
                }
            },
        };
        let count = |c: Option<usize>, what: &str, reading: &mut Reading<'_>| -> Option<u32> {
            let text = cell(c);
            if text.is_empty() {
                return None;
            }
            match text.parse::<f64>() {
                Ok(n) if n >= 1.0 && n.fract() == 0.0 && n < 1e6 => Some(n as u32),
                _ => {
                    reading.problem(
                        line,
                        format!(
                            "{what} `{text}` (VM `{vm_name}`): not a whole number of at least 1"
                        ),
                    );
                    None
                }
            }
        };
        let vm_cores = count(cores, "cores", &mut reading);
        let vm_disks = count(disks, "number of disks", &mut reading);
        let os_text = cell(os).to_lowercase();
        let vm_os = if os_text.contains("windows") {
            Some("windows")
        } else if os_text.contains("linux")
            || [
                "rhel",
                "red hat",
                "ubuntu",
                "centos",
                "suse",
                "debian",
                "oracle linux",
            ]
            .iter()
            .any(|d| os_text.contains(d))
        {
            Some("linux")
        } else {
            None
        };
        let group_value = cell(group);
        let used = match in_use.map(|c| cell(Some(c))).filter(|s| !s.is_empty()) {
            None => None,
            Some(text) => match quantity(&text, Some("MiB"), "MiB", QuantityKind::Size) {
                Ok((b, _)) => Some(b.min(disk)),
                Err(e) => {
                    reading.problem(
                        line,
                        format!(
                            "{} `{text}` (VM `{vm_name}`): {e}",
                            columns.raw[in_use.unwrap_or(0)]
                        ),
                    );
                    continue;
                }
            },
        };
        if is_vdisk {
            // vDisk: one row per disk; a VM's rows add up.
            if let Some(vm) = vms.iter_mut().find(|v| v.name == vm_name) {
                vm.disk_bytes += disk;
                vm.disk_text = format!("{} MB", (vm.disk_bytes / 1e3).round() / 1e3);
                vm.disks = Some(vm.disks.unwrap_or(1) + 1);
                continue;
            }
        } else if vms.iter().any(|v| v.name == vm_name) {
            reading.problem(line, format!("VM `{vm_name}` appears twice"));
            continue;
        }
        vms.push(InventoryVm {
            name: vm_name,
            line,
            disk_bytes: disk,
            disk_text,
            disks: if is_vdisk { Some(1) } else { vm_disks },
            churn: rate,
            cores: vm_cores,
            os: vm_os,
            efi: cell(boot).to_lowercase().contains("efi"),
            group: (!group_value.is_empty()).then_some(group_value),
            azure_size: Some(cell(azure_size)).filter(|s| !s.is_empty()),
            used_bytes: used,
        });
    }
    if vms.is_empty() && reading.problems.is_empty() {
        reading.problems.push(format!(
            "{file}: no VMs below the header (line {header_line})"
        ));
    }
    if reading.problems.is_empty() {
        Ok(Inventory {
            vms,
            churn: figure,
            source_kind,
            churn_column: churn.map(|c| {
                (
                    columns.raw[c].clone(),
                    columns.units[c].unwrap_or("MB/s").to_string(),
                )
            }),
        })
    } else {
        Err(reading.problems)
    }
}

/// The rows of a CSV text, each with its line.
pub fn csv_rows(text: &str, file: &str) -> Result<Vec<(usize, Vec<String>)>, Vec<String>> {
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(::csv::Trim::All)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(r) => {
                let line = r.position().map_or(0, |p| p.line() as usize);
                rows.push((line, r.iter().map(str::to_string).collect()));
            }
            Err(e) => return Err(vec![format!("{file}: {e}")]),
        }
    }
    Ok(rows)
}

/// The rows of a workbook's sheet named like "Compatible VMs" (else its
/// first sheet), each with its row number.
pub fn xlsx_rows(bytes: &[u8], file: &str) -> Result<Vec<(usize, Vec<String>)>, Vec<String>> {
    use calamine::Reader as _;
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
        .map_err(|e| vec![format!("{file}: not a workbook drsim can read: {e}")])?;
    let names = book.sheet_names();
    let sheet = names
        .iter()
        .find(|n| header_key(n) == "compatiblevms")
        .or_else(|| names.first())
        .cloned()
        .ok_or_else(|| vec![format!("{file}: the workbook has no sheet")])?;
    let range = book
        .worksheet_range(&sheet)
        .map_err(|e| vec![format!("{file}: sheet `{sheet}`: {e}")])?;
    let first_row = range.start().map_or(0, |(r, _)| r as usize);
    Ok(range
        .rows()
        .enumerate()
        .map(|(i, row)| {
            (
                first_row + i + 1,
                row.iter().map(|c| c.to_string()).collect(),
            )
        })
        .collect())
}

/// An inventory from a file's `bytes` (`name` for messages): a workbook
/// (a zip archive) or CSV text; with, from a Planner workbook, its own
/// "Observed typical data churn per day" in bytes ([`xlsx_observed_daily_churn`]).
pub fn read_inventory(
    bytes: Vec<u8>,
    name: &str,
    plan_by: Option<&str>,
) -> Result<(Inventory, Option<f64>), Vec<String>> {
    let (rows, observed) = if bytes.starts_with(b"PK") {
        (xlsx_rows(&bytes, name)?, xlsx_observed_daily_churn(&bytes))
    } else {
        let text = String::from_utf8(bytes).map_err(|_| {
            vec![format!(
                "{name} is neither a workbook (.xlsx) nor UTF-8 CSV text"
            )]
        })?;
        (csv_rows(&text, name)?, None)
    };
    Ok((read_rows(rows, name, plan_by)?, observed))
}

/// The Deployment Planner's "Observed typical data churn per day (GB)" from
/// its "On-premises summary" sheet, in bytes a day, when the workbook has it
/// (site-recovery-vmware-deployment-planner-analyze-report.md, "On-premises
/// summary"): the label's cell, then the first number to its right.
pub fn xlsx_observed_daily_churn(bytes: &[u8]) -> Option<f64> {
    use calamine::Reader as _;
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes)).ok()?;
    let sheet = book
        .sheet_names()
        .into_iter()
        .find(|n| header_key(n) == "onpremisessummary")?;
    let range = book.worksheet_range(&sheet).ok()?;
    for row in range.rows() {
        let cells: Vec<String> = row.iter().map(|c| c.to_string()).collect();
        let Some(at) = cells
            .iter()
            .position(|c| header_key(c).starts_with("observedtypicaldatachurnperday"))
        else {
            continue;
        };
        let gb = cells[at + 1..]
            .iter()
            .find_map(|c| c.trim().parse::<f64>().ok())?;
        return (gb.is_finite() && gb >= 0.0).then_some(gb * 1e9);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_match_whatever_their_case_spacing_and_unit() {
        assert_eq!(header_key("VM Name"), "vmname");
        assert_eq!(header_key("  vm_name "), "vmname");
        assert_eq!(
            header_key("Peak Data Churn in Mbps (with Growth Factor)"),
            "peakdatachurn"
        );
        assert_eq!(
            header_key("Peak Data Churn (with Growth Factor)"),
            "peakdatachurn"
        );
        assert_eq!(header_key("Disk size (GB)"), "disksize");
        assert_eq!(unit_of("Disk size (GB)"), Some("GB"));
        assert_eq!(
            unit_of("Peak Data Churn in Mbps (with Growth Factor)"),
            Some("Mbps")
        );
        assert_eq!(unit_of("Peak Data Churn (MB/s)"), Some("MB/s"));
        assert_eq!(unit_of("Cores"), None);
    }
}
