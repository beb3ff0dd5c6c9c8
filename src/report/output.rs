//! Writing files so that a reader never sees half of one and a run lands whole
//! or not at all.
//!
//! Every file is first written under a temporary name in its target directory
//! (`.<name>.<pid>.partial`; `.<name>.<tag>.<pid>.partial` where processes
//! on several nodes write one directory), flushed and synced while its SHA-256 is computed
//! on the way. A single file ([`write_atomically`]) is then renamed into place.
//! A run's files are gathered in an [`OutputSet`] and renamed together only
//! once every one of them is complete; dropped before that (an error, an
//! interrupted run), the set removes its temporaries and leaves whatever was in
//! the directory untouched.
//!
//! The residual window: renames are atomic one by one, not together. If the
//! process is killed (SIGKILL, power loss) between the first and the last
//! rename of a commit, which takes a few milliseconds, the directory holds a mix of
//! new and old files; `manifest.json` is renamed last and names the SHA-256 of
//! every file of its run, so `drsim verify` tells a mixed directory. A killed
//! process also cannot remove its `.partial` files; they carry its pid.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// A writer that hashes what passes through it.
#[derive(Debug)]
pub struct Hashing<W: Write> {
    inner: W,
    hasher: Sha256,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Lower-case hex SHA-256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A file that appears at its path only once committed (alone, or with the
/// rest of its [`OutputSet`]); dropped uncommitted, it leaves no trace.
#[derive(Debug)]
pub struct AtomicFile {
    target: PathBuf,
    temporary: PathBuf,
    writer: Option<BufWriter<Hashing<File>>>,
}

impl AtomicFile {
    pub fn create(target: &Path) -> io::Result<AtomicFile> {
        AtomicFile::create_tagged(target, "")
    }

    /// [`AtomicFile::create`] with `tag` in the temporary's name too
    /// (`.<name>.<tag>.<pid>.partial`): for a directory that processes on
    /// several nodes write at once, whose pids may coincide.
    pub fn create_tagged(target: &Path, tag: &str) -> io::Result<AtomicFile> {
        let temporary = temporary_name(target, tag);
        let file = File::create(&temporary)?;
        Ok(AtomicFile {
            target: target.to_path_buf(),
            temporary,
            writer: Some(BufWriter::new(Hashing {
                inner: file,
                hasher: Sha256::new(),
            })),
        })
    }

    pub fn writer(&mut self) -> &mut BufWriter<Hashing<File>> {
        self.writer
            .as_mut()
            .expect("writer is present until staged")
    }

    /// Flushes and syncs the temporary file; it is renamed by [`Staged::rename`].
    fn stage(mut self) -> io::Result<Staged> {
        let writer = self.writer.take().expect("staged once");
        let Hashing {
            inner: file,
            hasher,
        } = writer
            .into_inner()
            .map_err(io::IntoInnerError::into_error)?;
        file.sync_all()?;
        Ok(Staged {
            target: std::mem::take(&mut self.target),
            temporary: std::mem::take(&mut self.temporary),
            sha256: hex(&hasher.finalize()),
            renamed: false,
        })
    }

    /// Flushes, syncs and renames the file into place.
    pub fn commit(self) -> io::Result<()> {
        self.stage()?.rename()
    }

    /// Flushes, syncs and puts the file in place only if no file is there
    /// yet (by a hard link, which fails rather than replace): `Ok(false)`,
    /// and nothing changed, when one was.
    pub fn commit_if_absent(self) -> io::Result<bool> {
        let staged = self.stage()?;
        // Dropping `staged` removes the temporary whichever way this goes.
        match std::fs::hard_link(&staged.temporary, &staged.target) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
            Err(e) => Err(e),
        }
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        // Unstaged, whether never staged or its staging failed (a full disk
        // fails the flush): the temporary goes. Staged, the name is empty.
        drop(self.writer.take());
        if !self.temporary.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

fn temporary_name(target: &Path, tag: &str) -> PathBuf {
    let name = target
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    let tag = if tag.is_empty() {
        String::new()
    } else {
        format!("{tag}.")
    };
    target.with_file_name(format!(".{name}.{tag}{}.partial", std::process::id()))
}

/// A complete file under its temporary name, waiting to be renamed.
#[derive(Debug)]
struct Staged {
    target: PathBuf,
    temporary: PathBuf,
    sha256: String,
    renamed: bool,
}

impl Staged {
    fn rename(mut self) -> io::Result<()> {
        std::fs::rename(&self.temporary, &self.target)?;
        self.renamed = true;
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.renamed {
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

/// Removes from `dir` the temporaries (`.<name>.<pid>.partial`) of
/// processes that are no longer running: what a killed run (SIGKILL, a
/// second Ctrl-C, power loss) could not remove. Where processes cannot be
/// looked up (no `/proc`), nothing is removed. Best effort: a temporary that
/// cannot be removed stays.
pub fn remove_stale_temporaries(dir: &Path) {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let own = std::process::id().to_string();
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix('.')
            .and_then(|n| n.strip_suffix(".partial"))
            .and_then(|n| n.rsplit('.').next())
        else {
            continue;
        };
        let is_pid = !pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit());
        if is_pid && pid != own && !proc.join(pid).exists() {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Writes `bytes` to `target` atomically.
pub fn write_atomically(target: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut file = AtomicFile::create(target)?;
    file.writer().write_all(bytes)?;
    file.commit()
}

/// One output of a committed set: where it is and its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    pub sha256: String,
}

/// The files of one run: each complete under its temporary name until
/// [`OutputSet::commit`] renames them all; dropped uncommitted, nothing of the
/// set remains.
#[derive(Debug, Default)]
pub struct OutputSet {
    staged: Vec<Staged>,
}

impl OutputSet {
    pub fn new() -> OutputSet {
        OutputSet::default()
    }

    /// Adds a file written through [`AtomicFile`] (flushed and synced now).
    pub fn add(&mut self, file: AtomicFile) -> io::Result<()> {
        self.staged.push(file.stage()?);
        Ok(())
    }

    /// Writes `bytes` as the set's file at `target`.
    pub fn write(&mut self, target: &Path, bytes: &[u8]) -> io::Result<()> {
        let mut file = AtomicFile::create(target)?;
        file.writer().write_all(bytes)?;
        self.add(file)
    }

    /// Adds each chart as `<name>.svg` and `<name>.png` in `dir`; an error
    /// names the file that could not be written.
    pub fn add_charts(
        &mut self,
        dir: &Path,
        charts: &[super::chart::RenderedChart],
    ) -> Result<(), (PathBuf, io::Error)> {
        for c in charts {
            for (ext, bytes) in [("svg", c.svg.as_bytes()), ("png", c.png.as_slice())] {
                let path = dir.join(format!("{}.{ext}", c.name));
                self.write(&path, bytes).map_err(|e| (path, e))?;
            }
        }
        Ok(())
    }

    /// The files staged so far, in order, with their SHA-256.
    pub fn files(&self) -> Vec<Written> {
        self.staged
            .iter()
            .map(|s| Written {
                path: s.target.clone(),
                sha256: s.sha256.clone(),
            })
            .collect()
    }

    /// Renames every file into place, in the order they were added. What
    /// would make a rename fail (a directory where a file goes) is checked
    /// for every file before the first rename, so such a set lands not at
    /// all; should a rename still fail, the files not yet renamed are
    /// removed and the error names the one that failed.
    pub fn commit(self) -> Result<Vec<Written>, (PathBuf, io::Error)> {
        if let Some(blocked) = self.staged.iter().find(|s| s.target.is_dir()) {
            let e = io::Error::new(
                io::ErrorKind::IsADirectory,
                "a directory is in the way of the file; nothing of the run was written",
            );
            return Err((blocked.target.clone(), e));
        }
        let written = self.files();
        for staged in self.staged {
            let target = staged.target.clone();
            staged.rename().map_err(|e| (target, e))?;
        }
        Ok(written)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn uncommitted_files_leave_nothing_and_old_content_survives() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        std::fs::write(&path, "old").unwrap();
        {
            let mut f = AtomicFile::create(&path).unwrap();
            f.writer().write_all(b"half").unwrap();
        }
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(names(dir.path()), ["out.csv"]);
        write_atomically(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
    }

    #[test]
    fn commit_if_absent_never_replaces_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("job.json");
        let mut first = AtomicFile::create_tagged(&path, "node1").unwrap();
        first.writer().write_all(b"first").unwrap();
        assert!(first.commit_if_absent().unwrap());
        let mut second = AtomicFile::create_tagged(&path, "node2").unwrap();
        second.writer().write_all(b"second").unwrap();
        assert!(!second.commit_if_absent().unwrap());
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("job.json")]);
        let pid = std::process::id();
        assert_eq!(
            temporary_name(&path, "node1"),
            dir.path().join(format!(".job.json.node1.{pid}.partial"))
        );
        assert_eq!(
            temporary_name(&path, ""),
            dir.path().join(format!(".job.json.{pid}.partial"))
        );
    }

    #[test]
    fn a_set_lands_whole_or_not_at_all() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("a.csv");
        let b = dir.path().join("b.csv");
        std::fs::write(&a, "old a").unwrap();
        {
            let mut set = OutputSet::new();
            set.write(&a, b"new a").unwrap();
            set.write(&b, b"new b").unwrap();
            assert_eq!(names(dir.path()).len(), 3, "a.csv and two temporaries");
            // dropped: an error or an interrupted run
        }
        assert_eq!(names(dir.path()), ["a.csv"]);
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old a");

        // A directory where the second file goes: the first does not land either.
        std::fs::create_dir(&b).unwrap();
        let mut set = OutputSet::new();
        set.write(&a, b"new a").unwrap();
        set.write(&b, b"new b").unwrap();
        let (blocked, _) = set.commit().unwrap_err();
        assert_eq!(blocked, b);
        assert_eq!(names(dir.path()), ["a.csv", "b.csv"]);
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old a");
        std::fs::remove_dir(&b).unwrap();

        let mut set = OutputSet::new();
        set.write(&a, b"new a").unwrap();
        let mut streamed = AtomicFile::create(&b).unwrap();
        streamed.writer().write_all(b"new ").unwrap();
        streamed.writer().write_all(b"b").unwrap();
        set.add(streamed).unwrap();
        let written = set.commit().unwrap();
        assert_eq!(names(dir.path()), ["a.csv", "b.csv"]);
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "new b");
        // The hash of a streamed file is that of its whole content.
        assert_eq!(written[1].sha256, sha256_hex(b"new b"));
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
