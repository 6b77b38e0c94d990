//! [`Platform`]: which machine wrote a Python `array` buffer, for its C type sizes.

use std::fmt;
use std::str::FromStr;

use crate::dtype::ByteOrder;
use crate::error::{Error, ErrorKind, Result};
use crate::util::{excerpt, EXCERPT_LEN};

/// The platform whose C types sized a Python `array` buffer: see [`Layout::from_typecode`](super::Layout::from_typecode).
///
/// Parsed from its [`name`](Platform::name) (`linux-x86_64`, `macos-arm64`, `windows-x86_64`,
/// …) or from what Python's `sysconfig.get_platform()` prints there (`win-amd64`, `win32`,
/// `win-arm64`, `linux-i686`, `linux-armv7l`, `linux-arm64`, `macosx-<version>-x86_64`,
/// `macosx-<version>-arm64`). `macosx-<version>-universal2` is refused: it does not say which
/// architecture ran the code.
///
/// ```
/// use arrayguard::raw::Platform;
/// assert_eq!("win-amd64".parse::<Platform>()?, Platform::WindowsX86_64);
/// assert_eq!("macosx-11.0-arm64".parse::<Platform>()?, Platform::MacosArm64);
/// assert_eq!(Platform::LinuxAarch64.to_string(), "linux-aarch64");
/// # Ok::<(), arrayguard::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Platform {
    /// 64-bit x86 Linux (LP64, little-endian): `linux-x86_64`.
    LinuxX86_64,
    /// 64-bit Arm Linux (LP64, little-endian): `linux-aarch64`.
    LinuxAarch64,
    /// 32-bit x86 Linux (ILP32, little-endian): `linux-x86`.
    LinuxX86,
    /// 32-bit Arm Linux (ILP32, little-endian): `linux-arm`.
    LinuxArm,
    /// IBM Z Linux (LP64, **big-endian**): `linux-s390x`.
    LinuxS390x,
    /// Intel macOS (LP64, little-endian): `macos-x86_64`.
    MacosX86_64,
    /// Apple silicon macOS (LP64, little-endian): `macos-arm64`.
    MacosArm64,
    /// 64-bit x86 Windows (LLP64, little-endian): `windows-x86_64`.
    WindowsX86_64,
    /// 32-bit x86 Windows (ILP32, little-endian): `windows-x86`.
    WindowsX86,
    /// 64-bit Arm Windows (LLP64, little-endian): `windows-arm64`.
    WindowsArm64,
}

impl Platform {
    /// Every platform, in a fixed order.
    pub const ALL: [Platform; 10] = [
        Platform::LinuxX86_64,
        Platform::LinuxAarch64,
        Platform::LinuxX86,
        Platform::LinuxArm,
        Platform::LinuxS390x,
        Platform::MacosX86_64,
        Platform::MacosArm64,
        Platform::WindowsX86_64,
        Platform::WindowsX86,
        Platform::WindowsArm64,
    ];

    /// The canonical name, `<os>-<arch>`: `linux-x86_64`, `macos-arm64`, `windows-x86_64`…
    pub fn name(self) -> &'static str {
        match self {
            Platform::LinuxX86_64 => "linux-x86_64",
            Platform::LinuxAarch64 => "linux-aarch64",
            Platform::LinuxX86 => "linux-x86",
            Platform::LinuxArm => "linux-arm",
            Platform::LinuxS390x => "linux-s390x",
            Platform::MacosX86_64 => "macos-x86_64",
            Platform::MacosArm64 => "macos-arm64",
            Platform::WindowsX86_64 => "windows-x86_64",
            Platform::WindowsX86 => "windows-x86",
            Platform::WindowsArm64 => "windows-arm64",
        }
    }

    /// The native byte order, which `array.tobytes()` writes.
    pub fn byte_order(self) -> ByteOrder {
        match self {
            Platform::LinuxS390x => ByteOrder::Big,
            _ => ByteOrder::Little,
        }
    }

    /// Bytes in a C `long` (typecodes `l` and `L`): 8 on 64-bit Linux and macOS (LP64), 4 on
    /// Windows (LLP64) and on 32-bit platforms.
    pub fn long_size(self) -> usize {
        match self {
            Platform::LinuxX86_64
            | Platform::LinuxAarch64
            | Platform::LinuxS390x
            | Platform::MacosX86_64
            | Platform::MacosArm64 => 8,
            Platform::LinuxX86
            | Platform::LinuxArm
            | Platform::WindowsX86_64
            | Platform::WindowsX86
            | Platform::WindowsArm64 => 4,
        }
    }

    /// Bytes in a C `wchar_t` (typecode `u`): 2 on Windows (UTF-16 code units), 4 elsewhere.
    pub fn wchar_size(self) -> usize {
        match self {
            Platform::WindowsX86_64 | Platform::WindowsX86 | Platform::WindowsArm64 => 2,
            _ => 4,
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Platform {
    type Err = Error;

    /// Parses a platform name; see [`Platform`] for the accepted spellings.
    fn from_str(s: &str) -> Result<Platform> {
        let platform = match s {
            "linux-x86_64" => Platform::LinuxX86_64,
            "linux-aarch64" | "linux-arm64" => Platform::LinuxAarch64,
            "linux-x86" | "linux-i686" => Platform::LinuxX86,
            "linux-arm" | "linux-armv7l" => Platform::LinuxArm,
            "linux-s390x" => Platform::LinuxS390x,
            "macos-x86_64" => Platform::MacosX86_64,
            "macos-arm64" => Platform::MacosArm64,
            "windows-x86_64" | "win-amd64" => Platform::WindowsX86_64,
            "windows-x86" | "win32" => Platform::WindowsX86,
            "windows-arm64" | "win-arm64" => Platform::WindowsArm64,
            _ => match macosx_arch(s) {
                Some("x86_64") => Platform::MacosX86_64,
                Some("arm64") => Platform::MacosArm64,
                _ => {
                    return Err(Error::from(ErrorKind::InvalidLayout {
                        layout: excerpt(s, EXCERPT_LEN),
                        reason: "unknown platform; expected one of `linux-x86_64`, \
                                 `linux-aarch64`, `linux-x86`, `linux-arm`, `linux-s390x`, \
                                 `macos-x86_64`, `macos-arm64`, `windows-x86_64`, \
                                 `windows-x86`, `windows-arm64`",
                    }))
                }
            },
        };
        Ok(platform)
    }
}

/// The architecture of a `sysconfig.get_platform()` macOS name, `macosx-<version>-<arch>`.
fn macosx_arch(s: &str) -> Option<&str> {
    let (version, arch) = s.strip_prefix("macosx-")?.rsplit_once('-')?;
    let is_version = !version.is_empty()
        && version.split('.').all(|part| {
            !part.is_empty() && part.len() <= 4 && part.bytes().all(|b| b.is_ascii_digit())
        });
    is_version.then_some(arch)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_names_round_trip_and_aliases_parse() {
        for platform in Platform::ALL {
            assert_eq!(platform.name().parse::<Platform>().unwrap(), platform);
        }
        let aliases = [
            ("win-amd64", Platform::WindowsX86_64),
            ("win32", Platform::WindowsX86),
            ("win-arm64", Platform::WindowsArm64),
            ("linux-i686", Platform::LinuxX86),
            ("linux-armv7l", Platform::LinuxArm),
            ("linux-arm64", Platform::LinuxAarch64),
            ("macosx-10.9-x86_64", Platform::MacosX86_64),
            ("macosx-11.0-arm64", Platform::MacosArm64),
        ];
        for (text, platform) in aliases {
            assert_eq!(text.parse::<Platform>().unwrap(), platform, "{text}");
        }
        for text in [
            "",
            "linux",
            "Linux-x86_64",
            "macosx-11.0-universal2",
            "macosx--arm64",
            "macosx-arm64",
            "macosx-1..0-arm64",
            "windows",
        ] {
            let err = text.parse::<Platform>().unwrap_err();
            assert_eq!(err.code(), "usage.invalid_layout", "{text:?}");
        }
    }

    #[test]
    fn c_type_sizes_follow_the_platform() {
        assert_eq!(Platform::LinuxX86_64.long_size(), 8);
        assert_eq!(Platform::MacosArm64.long_size(), 8);
        assert_eq!(Platform::WindowsX86_64.long_size(), 4);
        assert_eq!(Platform::LinuxX86.long_size(), 4);
        assert_eq!(Platform::WindowsX86_64.wchar_size(), 2);
        assert_eq!(Platform::LinuxX86_64.wchar_size(), 4);
    }
}
