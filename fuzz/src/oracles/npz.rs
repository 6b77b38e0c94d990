//! `.npz` targets: `npz` (any bytes as an archive: open, then every member's header, check and
//! read) and `npz_mutate` (arrays written by `npz::Writer`, read back, then mutated and read
//! again).
//!
//! # The allocation bound of an archive
//!
//! Reading an archive holds three kinds of memory, and the oracle bounds each:
//!
//! - **Opening** ([`open_bound`]): the tail buffer (the last 65 557 bytes at most, read by
//!   `read_to_end`, whose doubling makes it up to 128 KiB) is freed before the `zip` crate
//!   reads the central directory. The directory then costs, per entry, the crate's
//!   `ZipFileData` (160 bytes) and its index-map slot, our `Member` and our set of array names
//!   ([`ENTRY_COST`] covers them), plus the entry's name, extra field and comment, which the
//!   crate, the decoded name, our member name and its array name each hold a copy of
//!   ([`DIRECTORY_COPIES`] bytes per byte of directory). The end record's check caps the
//!   entries at `max_members` and the directory at 1 KiB per allowed member, and the directory
//!   is bytes of the input, so the bound is
//!   `ARCHIVE_SLACK + ENTRY_COST × max_members + DIRECTORY_COPIES × min(input, 1 KiB × max_members)`.
//!   It does not grow with anything an entry declares.
//! - **A member** ([`member_bound`]): its header, check or read, on top of the open archive,
//!   holds the inflater (a 32 KiB read buffer and zlib-rs's state with its 32 KiB window,
//!   about 80 KiB) and at most the member's declared size: the payload of a read (the `.npy`
//!   reader is told the member's declared size as its file length), or the check's chunk
//!   buffer. Members are inflated into fixed buffers, never past the declared size, so
//!   nothing grows with what a stream would inflate to. `header` holds no payload.
//! - **The whole** (open, then every member one at a time, each result dropped before the
//!   next): at most the open bound plus the largest member's bound.
//!
//! With [`npz_limits`] (32 members, 1 MiB payload) the open bound is at most 336 KiB (inputs of
//! 32 KiB and more; 208 KiB + 4 bytes per input byte below) and a member's
//! at most 1 MiB + 132 KiB; the fixtures' hostile archives declare up to 8 GB.

use std::collections::HashSet;
use std::io::Cursor as IoCursor;

use arrayguard::{npy, npz, ArraySpec, DType, DynArray, Limits, Order, Shape};

use super::cursor::{dtype_of, Cursor};
use super::structured::{array_from_le, element_le};
use super::{check_accepted, code, peak_at_most, small_limits, Meter};
use crate::support::arrays::bits_equal;

/// What opening an archive may allocate besides its directory: the tail buffer (≤ 128 KiB),
/// error text, the `zip` crate's fixed state.
pub const ARCHIVE_SLACK: usize = 192 * 1024;

/// Allocation allowed per entry the directory may hold (`max_members` of them): the `zip`
/// crate's `ZipFileData` (160 bytes) and index-map slot, our `Member` and name-set slot.
pub const ENTRY_COST: usize = 512;

/// Copies of each byte of central directory that may be live at once (the crate's raw name
/// and extra field, the decoded name, our member and array names).
pub const DIRECTORY_COPIES: usize = 4;

/// Bytes of central directory the end record's check allows per member.
pub const DIRECTORY_BYTES_PER_MEMBER: usize = 1024;

/// What reading one member may allocate besides its declared size: the inflater (32 KiB read
/// buffer, zlib-rs's state and window: about 80 KiB), the `.npy` header, error text.
pub const MEMBER_SLACK: usize = 132 * 1024;

/// The limits of the `.npz` targets: [`small_limits`], 32 members, 4 MiB declared in all
/// (two 1 MiB members read), the default compression ratio (1100).
pub fn npz_limits() -> Limits {
    let mut limits = small_limits();
    limits.max_members = 32;
    limits.max_archive_bytes = 4 << 20;
    limits
}

/// The most opening an archive of `input_len` bytes may allocate under `limits` (see the
/// module docs).
pub fn open_bound(input_len: usize, limits: &Limits) -> usize {
    let directory = input_len.min(
        limits
            .max_members
            .saturating_mul(DIRECTORY_BYTES_PER_MEMBER),
    );
    ARCHIVE_SLACK
        .saturating_add(limits.max_members.saturating_mul(ENTRY_COST))
        .saturating_add(DIRECTORY_COPIES.saturating_mul(directory))
}

/// The most reading (or checking) one member declared `size` bytes may allocate.
pub fn member_bound(size: u64) -> usize {
    usize::try_from(size)
        .unwrap_or(usize::MAX)
        .saturating_add(MEMBER_SLACK)
}

/// The largest `.npy` file a member may declare under `limits`.
fn largest_member(limits: &Limits) -> u64 {
    limits
        .max_bytes
        .saturating_add(u64::try_from(limits.max_header_bytes).unwrap_or(u64::MAX))
        .saturating_add(12)
}

/// What one member gave.
struct MemberOutcome {
    array: String,
    read: arrayguard::Result<DynArray>,
}

/// The archive oracle, shared by both targets: opens `data` with [`npz_limits`] and, when it
/// opens, takes every member's `header`, `check` and `read::<DynArray>` (any spec).
///
/// Oracles: no panic; the allocation bounds of the module docs (open, each member's call, and
/// the whole sequence); an opened archive is within its limits (members, each declared size,
/// ratio, total) with unique, safe array names; per member, `check` is Ok exactly when `read`
/// is, with the same error code otherwise; an accepted array satisfies the limits, holds at
/// most its member's declared size, and its header (from `header` and from `check`) gives its
/// dtype and shape; `read_all` gives the arrays of the reads, in order, or the first read's
/// error. Returns the members' outcomes (`None` when the archive does not open).
fn archive_oracle<M: Meter>(data: &[u8], meter: &M) -> Option<Vec<MemberOutcome>> {
    let limits = npz_limits();
    let options = npz::ReadOptions::new().limits(limits.clone());
    let spec = ArraySpec::any();
    let (archive, peak) = meter.measure(|| options.open_slice(data));
    peak_at_most(peak, open_bound(data.len(), &limits), "open");
    let mut archive = archive.ok()?;
    check_opened(&archive, &limits);
    let members: Vec<(String, u64)> = archive
        .members()
        .iter()
        .map(|m| (m.array().to_owned(), m.size()))
        .collect();
    // Each member's calls are measured above the open archive's state, which the open's
    // measurement included: the whole is within the open bound plus the largest member's.
    let outcomes: Vec<MemberOutcome> = members
        .iter()
        .map(|(array, size)| member_oracle(&mut archive, array, *size, &spec, &limits, meter))
        .collect();
    check_read_all(&archive.read_all(&spec), &outcomes);
    Some(outcomes)
}

/// The opened archive is within its limits and its names are safe and unique.
fn check_opened<R: std::io::Read + std::io::Seek>(archive: &npz::Archive<R>, limits: &Limits) {
    let members = archive.members();
    assert!(
        members.len() <= limits.max_members,
        "opened an archive of {} members, max_members is {}",
        members.len(),
        limits.max_members
    );
    let largest = largest_member(limits);
    let mut total: u64 = 0;
    let mut arrays = HashSet::new();
    for m in members {
        assert!(
            m.size() <= largest,
            "member {} declares {} bytes",
            m.name(),
            m.size()
        );
        if m.compression() == npz::Compression::Stored {
            assert_eq!(m.size(), m.compressed_size(), "stored member {}", m.name());
        }
        let ratio = m.size().div_ceil(m.compressed_size().max(1));
        assert!(
            ratio <= limits.max_compression_ratio,
            "member {} ratio {ratio}",
            m.name()
        );
        total = total.saturating_add(m.size());
        assert!(
            arrays.insert(m.array().to_owned()),
            "array {} twice",
            m.array()
        );
        let name = m.name();
        assert!(safe_name(name), "unsafe member name accepted: {name:?}");
        assert_eq!(m.array(), name.strip_suffix(".npy").unwrap_or(name));
    }
    assert!(
        total <= limits.max_archive_bytes,
        "members declare {total} bytes in all"
    );
}

/// `header`, `check` and `read` of one member, with their oracles.
fn member_oracle<R: std::io::Read + std::io::Seek, M: Meter>(
    archive: &mut npz::Archive<R>,
    array: &str,
    size: u64,
    spec: &ArraySpec,
    limits: &Limits,
    meter: &M,
) -> MemberOutcome {
    let bound = member_bound(size);
    let (header, peak) = meter.measure(|| archive.header(array));
    peak_at_most(peak, MEMBER_SLACK, "member header");
    let (checked, peak) = meter.measure(|| archive.check(array, spec));
    peak_at_most(peak, bound, "member check");
    let (read, peak) = meter.measure(|| archive.read::<DynArray>(array, spec));
    peak_at_most(peak, bound, "member read");
    assert_eq!(
        code(&checked),
        code(&read),
        "member {array}: check and read disagree"
    );
    if let Ok(a) = &read {
        check_accepted(a, spec, limits);
        let payload = a.len() * a.dtype().itemsize();
        assert!(
            u64::try_from(payload).unwrap_or(u64::MAX) <= size,
            "member {array}: {payload} bytes of payload from a {size}-byte member"
        );
        for h in [&header, &checked] {
            let h = h.as_ref().expect("an accepted member's header reads");
            assert_eq!(h.dtype(), a.dtype(), "member {array}: header dtype");
            assert_eq!(h.shape(), a.shape(), "member {array}: header shape");
        }
    }
    MemberOutcome {
        array: array.to_owned(),
        read,
    }
}

/// `read_all` is the reads in order, or the first read's error.
fn check_read_all(all: &arrayguard::Result<Vec<(String, DynArray)>>, outcomes: &[MemberOutcome]) {
    match outcomes.iter().find(|o| o.read.is_err()) {
        Some(first) => assert_eq!(
            code(all),
            code(&first.read),
            "read_all vs the first failing read ({})",
            first.array
        ),
        None => {
            let all = all
                .as_ref()
                .expect("read_all fails where every read passes");
            assert_eq!(all.len(), outcomes.len());
            for ((name, a), o) in all.iter().zip(outcomes) {
                assert_eq!(name, &o.array);
                let b = o.read.as_ref().expect("checked above");
                assert!(bits_equal(a, b), "read_all differs from read for {name}");
            }
        }
    }
}

/// `npz`: the whole input is an archive. See [`archive_oracle`].
pub fn npz<M: Meter>(data: &[u8], meter: &M) {
    archive_oracle(data, meter);
}

// ---------------------------------------------------------------------------------------
// npz_mutate
// ---------------------------------------------------------------------------------------

/// Array names the writer is given: plain, nested, non-ASCII, with a `.npy` suffix (member
/// `x.npy.npy`, array `x.npy`), and unsafe ones the writer must refuse.
const NAMES: [&str; 12] = [
    "x",
    "y",
    "arr_0",
    "group/x",
    "température",
    "x.npy",
    "a b",
    "../up",
    "/abs",
    "C:drive",
    "back\\slash",
    "",
];

/// Whether `member` is a safe relative path, as the module docs of `npz` define it (not
/// empty, no NUL or backslash, not absolute, no drive letter, no `..` component), written
/// here independently of the library's check.
fn safe_name(member: &str) -> bool {
    let bytes = member.as_bytes();
    let drive = bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':';
    let unsafe_ = member.is_empty()
        || member.contains(['\0', '\\'])
        || member.starts_with('/')
        || drive
        || member.split('/').any(|p| p == "..");
    !unsafe_
}

/// Zip record signatures that mutations can be anchored at: local header, central header,
/// end record, zip64 end record, zip64 locator, data descriptor.
const SIGNATURES: [&[u8; 4]; 6] = [
    b"PK\x03\x04",
    b"PK\x01\x02",
    b"PK\x05\x06",
    b"PK\x06\x06",
    b"PK\x06\x07",
    b"PK\x07\x08",
];

/// Values a patched field is likely to break on.
const FIELD_VALUES: [u32; 10] = [
    0,
    1,
    0xFFFF,
    0xFFFF_FFFF,
    0x7FFF_FFFF,
    0x8000_0000,
    0xFFFE,
    46,
    22,
    0x1_0000,
];

/// A position in `len + 1` bytes from the next `u16` of the cursor, or anchored at a record
/// signature: the `k`-th occurrence of one of [`SIGNATURES`] plus a field offset (0–63).
fn position(c: &mut Cursor<'_>, bytes: &[u8]) -> usize {
    let how = c.u8();
    if how & 1 == 0 {
        return usize::from(c.u16()) % (bytes.len() + 1);
    }
    let signature = SIGNATURES[usize::from(how >> 1) % SIGNATURES.len()];
    let k = usize::from(how >> 4);
    let found: Vec<usize> = bytes
        .windows(4)
        .enumerate()
        .filter(|(_, w)| w == signature)
        .map(|(i, _)| i)
        .collect();
    let base = if found.is_empty() {
        0
    } else {
        found[k % found.len()]
    };
    (base + usize::from(c.u8() % 64)).min(bytes.len())
}

/// Applies one mutation read from the cursor to `bytes`.
fn mutate(c: &mut Cursor<'_>, bytes: &mut Vec<u8>) {
    let kind = c.u8() % 9;
    let at = position(c, bytes);
    let end = bytes.len();
    match kind {
        // Flip: XOR one byte.
        0 => {
            let x = c.u8().max(1);
            if at < end {
                bytes[at] ^= x;
            }
        }
        // Truncate.
        1 => bytes.truncate(at),
        // Insert up to 16 bytes.
        2 => {
            let n = usize::from(c.u8() % 17);
            let ins = c.take(n).to_vec();
            bytes.splice(at..at, ins);
        }
        // Patch a little-endian u16 / u32 (from the cursor or the interesting values).
        3..=5 => {
            let value = if kind == 5 {
                FIELD_VALUES[usize::from(c.u8()) % FIELD_VALUES.len()]
            } else {
                u32::from(c.u16()) | u32::from(c.u16()) << 16
            };
            let width = if kind == 3 { 2 } else { 4 };
            for (i, b) in value.to_le_bytes()[..width].iter().enumerate() {
                if let Some(slot) = bytes.get_mut(at + i) {
                    *slot = *b;
                }
            }
        }
        // Duplicate a range (up to 4 KiB) at another position.
        6 => {
            let len = usize::from(c.u16() % 4097).min(end - at);
            let copy = bytes[at..at + len].to_vec();
            let to = position(c, bytes);
            bytes.splice(to..to, copy);
        }
        // Remove a range.
        7 => {
            let len = usize::from(c.u16()).min(end - at);
            bytes.drain(at..at + len);
        }
        // Set a byte.
        _ => {
            let v = c.u8();
            if at < end {
                bytes[at] = v;
            }
        }
    }
}

/// One array of an [`encode_npz_mutate`] input: name selector, dtype, Fortran order, dims,
/// element bytes.
pub type ArraySeed<'a> = (u8, DType, bool, &'a [u8], &'a [u8]);

/// An `npz_mutate` input without mutations: per array its name selector, dtype, Fortran
/// order, dims (each below 5) and raw element bytes.
pub fn encode_npz_mutate(deflated: bool, arrays: &[ArraySeed<'_>]) -> Vec<u8> {
    let mut out = vec![u8::from(deflated), u8::try_from(arrays.len()).unwrap_or(0)];
    for &(name, dtype, fortran, dims, elements) in arrays {
        out.push(name);
        out.push(super::cursor::dtype_index(dtype));
        out.push(u8::from(fortran));
        out.push(u8::try_from(dims.len()).unwrap_or(0));
        out.extend_from_slice(dims);
        // Raw elements (flags bit 1 clear): exactly the bytes the shape takes, `elements`
        // cycled (zeros when empty).
        let count: usize = dims.iter().map(|&d| usize::from(d % 5)).product();
        let need = count * dtype.itemsize();
        let mut bytes: Vec<u8> = elements.iter().copied().cycle().take(need).collect();
        bytes.resize(need, 0);
        out.extend(bytes);
    }
    out.push(0); // no mutation
    out
}

/// `npz_mutate`: arrays decoded from the input are written by `npz::Writer` (stored or
/// deflated), read back, then the archive is mutated and read again.
///
/// Layout of the input: flags (bit 0 deflated); number of arrays (mod 6); per array a name
/// selector ([`NAMES`]), a dtype selector, flags (bit 0 Fortran order, bit 1 elements from
/// the value tables), number of axes (mod 5), one byte per axis (mod 5), then its elements
/// (as in `structured`); then the number of mutations (mod 8) and each mutation: kind (flip,
/// truncate, insert, patch u16, patch u32, patch an interesting u32, duplicate a range,
/// remove a range, set a byte), a position (a `u16`, or anchored at a zip record signature
/// plus a field offset), and its operands.
///
/// Oracles: the writer refuses unsafe names (`npz.unsafe_name`) and repeated ones
/// (`npz.duplicate_member`) and writes the rest; the archive opens with exactly the members
/// `NAME.npy`, in order, and every array reads back bit for bit (shape, order, values); the
/// [`archive_oracle`] holds on the written archive and on the mutated one; when the mutations
/// left the bytes as written, the round trip still holds.
pub fn npz_mutate<M: Meter>(data: &[u8], meter: &M) {
    let mut c = Cursor::new(data);
    let compression = if c.u8() & 1 == 1 {
        npz::Compression::Deflated
    } else {
        npz::Compression::Stored
    };
    let count = c.u8() % 6;
    let mut writer = npz::Writer::new(IoCursor::new(Vec::new()), compression);
    let mut written: Vec<(String, DynArray)> = Vec::new();
    for _ in 0..count {
        let name = NAMES[usize::from(c.u8()) % NAMES.len()];
        let dtype = dtype_of(c.u8());
        let flags = c.u8();
        let order = if flags & 1 != 0 { Order::F } else { Order::C };
        let ndim = usize::from(c.u8() % 5);
        let dims: Vec<usize> = (0..ndim).map(|_| usize::from(c.u8() % 5)).collect();
        let shape = Shape::new(dims).expect("at most 4^4 elements");
        let le: Vec<u8> = (0..shape.len())
            .flat_map(|_| element_le(&mut c, dtype, flags & 2 != 0))
            .collect();
        let array = array_from_le(dtype, shape, order, &le);
        let result = writer.add(name, &array);
        if !safe_name(&format!("{name}.npy")) {
            assert_eq!(code(&result), "npz.unsafe_name", "writer took {name:?}");
        } else if written.iter().any(|(n, _)| n == name) {
            assert_eq!(
                code(&result),
                "npz.duplicate_member",
                "writer took {name:?} twice"
            );
        } else {
            result.expect("the writer writes a safe new name");
            written.push((name.to_owned(), array));
        }
    }
    let original = writer
        .finish()
        .expect("writing to a Vec cannot fail")
        .into_inner();
    round_trip(&original, &written, meter);

    let mut mutated = original.clone();
    for _ in 0..c.u8() % 8 {
        mutate(&mut c, &mut mutated);
    }
    if mutated != original {
        archive_oracle(&mutated, meter);
    } else {
        round_trip(&mutated, &written, meter);
    }
}

/// The written archive opens with exactly the arrays written, in order, bit for bit, and
/// passes the [`archive_oracle`].
fn round_trip<M: Meter>(bytes: &[u8], written: &[(String, DynArray)], meter: &M) {
    let outcomes = archive_oracle(bytes, meter).expect("a written archive opens");
    let archive = npz::ReadOptions::new()
        .limits(npz_limits())
        .open_slice(bytes)
        .expect("a written archive opens");
    let names: Vec<&str> = archive.members().iter().map(npz::Member::name).collect();
    let expected: Vec<String> = written.iter().map(|(n, _)| format!("{n}.npy")).collect();
    assert_eq!(names, expected, "member names");
    assert_eq!(outcomes.len(), written.len());
    for ((name, array), outcome) in written.iter().zip(&outcomes) {
        assert_eq!(&outcome.array, name);
        let back = outcome
            .read
            .as_ref()
            .unwrap_or_else(|e| panic!("written array {name} does not read back: {e}"));
        assert!(
            bits_equal(array, back),
            "array {name} changed: {array:?} -> {back:?}"
        );
        // Same order too, where it is observable.
        if !array.shape().orders_coincide() {
            assert_eq!(array.order(), back.order(), "array {name}: order");
        }
    }
    // The header of a written member is the `.npy` header of the array.
    let mut archive = archive;
    for (name, array) in written {
        let h: npy::Header = archive.header(name).expect("a written header reads");
        assert_eq!(h.dtype(), array.dtype());
        assert_eq!(h.shape(), array.shape());
    }
}
