//! Reading the exact little-endian state that shards write (the collector,
//! its streams, their sums and histograms), with a message when it is cut
//! short.

use super::state::StateError;

#[derive(Debug)]
pub(super) struct Reader<'a> {
    pub bytes: &'a [u8],
    /// Bytes read so far.
    pub at: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, at: 0 }
    }

    pub fn take(&mut self, n: usize) -> Result<&'a [u8], StateError> {
        let end = self.at.checked_add(n).filter(|&e| e <= self.bytes.len());
        let end = end.ok_or(StateError::EndsEarly)?;
        let slice = &self.bytes[self.at..end];
        self.at = end;
        Ok(slice)
    }

    pub fn line(&mut self) -> Result<&'a str, StateError> {
        let rest = &self.bytes[self.at..];
        let n = rest
            .iter()
            .position(|&b| b == b'\n')
            .ok_or(StateError::EndsEarly)?;
        let line = std::str::from_utf8(&rest[..n]).map_err(|_| StateError::HeaderNotText)?;
        self.at += n + 1;
        Ok(line)
    }

    pub fn u64(&mut self) -> Result<u64, StateError> {
        let b = self.take(8)?;
        Ok(u64::from_le_bytes(b.try_into().expect("eight bytes")))
    }

    pub fn f64(&mut self) -> Result<f64, StateError> {
        let b = self.take(8)?;
        Ok(f64::from_le_bytes(b.try_into().expect("eight bytes")))
    }
}
