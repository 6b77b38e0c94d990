//! [`Generator`]: valid samples and near misses of one spec, and the spec features a sample
//! reaches.

use std::collections::BTreeMap;

use super::choices::Choices;
use super::shapes::{self, Bound as Binding, NameUse, Names, ShapeDraw, MAX_EDGE};
use super::values::{self, Bound};
use super::{Encoded, Format, GenArray, JsonData, Sample};
use crate::array::DynArray;
use crate::dtype::{ByteOrder, DType};
use crate::error::{Error, ErrorKind, Result, ValueKind};
use crate::limits::Limits;
use crate::npz::Compression;
use crate::shape::{Dim, Order, Shape};
use crate::spec::{ArraySpec, BundleSpec, ShapeItem, SpecFile, ValueSpec};

/// Elements per generated array unless [`Generator::with_max_elements`] says otherwise.
const DEFAULT_MAX_ELEMENTS: usize = 1 << 12;

/// Attempts at a near miss of a drawn rule before falling back to trailing bytes.
const NEAR_MISS_ATTEMPTS: usize = 16;

/// Draws samples and near misses of one spec. See the [module docs](super).
#[derive(Clone, Debug)]
pub struct Generator {
    pub(crate) slots: Vec<Slot>,
    /// The spec, for a bundle (a single array's is its slot's).
    pub(crate) bundle_spec: Option<BundleSpec>,
    bundle: bool,
    names: Names,
    /// How many axes (across the bundle) use each name.
    uses: BTreeMap<Box<str>, usize>,
    max_elements: usize,
}

#[derive(Clone, Debug)]
pub(crate) struct Slot {
    name: String,
    pub(crate) spec: ArraySpec,
    /// The allowed dtypes that have a valid value.
    dtypes: Vec<DType>,
    limits: Limits,
}

/// A rule of the spec (or of the format) that a [`NearMiss`] breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Rule {
    /// A dtype the spec does not allow.
    DType,
    /// The byte order the spec does not allow.
    ByteOrder,
    /// The memory order the spec does not allow.
    Order,
    /// One axis too many or too few.
    Ndim,
    /// One axis one past its constraint.
    Dim,
    /// A named dimension that disagrees with where it was bound.
    NamedDim,
    /// One element that breaks this value rule (and no earlier one).
    Value(ValueKind),
    /// A `bool` byte that is neither 0 nor 1.
    InvalidBool,
    /// The payload (or JSON text) cut short.
    Truncated,
    /// Bytes after the payload (or after the JSON value).
    Trailing,
    /// A `.npy` header length field one byte short of the header.
    LyingHeader,
    /// An array of the bundle left out.
    MissingArray,
    /// An array the bundle does not name.
    UnknownArray,
}

impl Rule {
    /// A short name: `dtype`, `byte_order`, `order`, `ndim`, `dim`, `named_dim`,
    /// `value.nan` (and the other value kinds), `invalid_bool`, `truncated`, `trailing`,
    /// `lying_header`, `missing_array`, `unknown_array`.
    pub fn name(self) -> &'static str {
        match self {
            Rule::DType => "dtype",
            Rule::ByteOrder => "byte_order",
            Rule::Order => "order",
            Rule::Ndim => "ndim",
            Rule::Dim => "dim",
            Rule::NamedDim => "named_dim",
            Rule::Value(kind) => value_code(kind),
            Rule::InvalidBool => "invalid_bool",
            Rule::Truncated => "truncated",
            Rule::Trailing => "trailing",
            Rule::LyingHeader => "lying_header",
            Rule::MissingArray => "missing_array",
            Rule::UnknownArray => "unknown_array",
        }
    }

    /// The error code the library returns for this rule broken in `format`.
    pub fn code(self, format: Format) -> &'static str {
        match (self, format) {
            (Rule::DType, _) => "spec.dtype",
            (Rule::ByteOrder, _) => "spec.byte_order",
            (Rule::Order, _) => "spec.order",
            (Rule::Ndim, _) => "spec.ndim",
            (Rule::Dim, _) => "spec.shape",
            (Rule::NamedDim, _) => "spec.named_dim",
            (Rule::Value(kind), _) => value_code(kind),
            (Rule::InvalidBool, _) => "data.invalid_bool",
            (Rule::Truncated | Rule::Trailing, Format::Json) => "json.syntax",
            (Rule::Truncated, _) => "data.truncated",
            (Rule::Trailing, _) => "data.trailing",
            (Rule::LyingHeader, _) => "npy.invalid_header",
            (Rule::MissingArray, _) => "spec.missing_array",
            (Rule::UnknownArray, _) => "spec.unknown_array",
        }
    }
}

fn value_code(kind: ValueKind) -> &'static str {
    match kind {
        ValueKind::Nan => "value.nan",
        ValueKind::Infinite => "value.infinite",
        ValueKind::BelowMin => "value.below_min",
        ValueKind::AboveMax => "value.above_max",
        ValueKind::NotInEnum => "value.not_in_enum",
    }
}

/// Byte-level damage applied to an encoded array.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Damage {
    /// Cut this many bytes off the end of the array's file (or member).
    Truncate(usize),
    /// Append these bytes.
    Append(Vec<u8>),
    /// Lower the `.npy` header length field by one.
    HeaderLen,
    /// Write 2 for the `bool` element at this storage index.
    BoolByte(usize),
}

/// A sample that breaks exactly one rule, and the error code the library must return for it.
#[derive(Clone, Debug, PartialEq)]
pub struct NearMiss {
    /// The arrays and encoding choices, before any byte-level damage.
    pub sample: Sample,
    /// The rule broken.
    pub rule: Rule,
    /// The array that breaks it (for a missing array, the one left out).
    pub array: String,
    /// The format the near miss is meant for (byte-level damage and some codes depend on it).
    pub format: Format,
    /// What [`Error::code`](crate::Error::code) the library returns for it: checked in
    /// bundle order, the first error is this one.
    pub code: &'static str,
    pub(crate) damage: Option<(usize, Damage)>,
}

impl NearMiss {
    /// The files of the near miss, in its format, damaged where the rule needs it.
    ///
    /// # Errors
    ///
    /// As [`Sample::encode`].
    pub fn encode(&self) -> Result<Encoded> {
        super::encode::encode(&self.sample, self.format, self.damage.as_ref())
    }
}

/// A feature of a spec's space that a sample may reach; see [`Generator::features`] and
/// [`Generator::reached`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Feature {
    /// An array of this dtype.
    DType(DType),
    /// A multi-byte array in this byte order.
    ByteOrder(ByteOrder),
    /// An array in this memory order.
    Order(Order),
    /// A `.npy` header of this version.
    NpyVersion(u8),
    /// A JSON envelope with its data in this form.
    JsonData(JsonData),
    /// `.npz` members stored this way.
    Compression(Compression),
    /// An array without elements.
    Empty,
    /// A 0-d array.
    Scalar,
    /// An axis at the lower bound of its range (`array` and `item` index the spec's arrays and
    /// the pattern's items).
    AxisAtMin {
        /// Index of the array in the spec.
        array: usize,
        /// Index of the item in the array's shape pattern.
        item: usize,
    },
    /// An axis at the upper bound of its range.
    AxisAtMax {
        /// Index of the array in the spec.
        array: usize,
        /// Index of the item in the array's shape pattern.
        item: usize,
    },
    /// An axis of any size at 0.
    AxisZero {
        /// Index of the array in the spec.
        array: usize,
        /// Index of the item in the array's shape pattern.
        item: usize,
    },
    /// A variadic run of no axis.
    RunEmpty {
        /// Index of the array in the spec.
        array: usize,
    },
    /// A variadic run of two axes or more.
    RunLong {
        /// Index of the array in the spec.
        array: usize,
    },
    /// A value at a bound: the first (or last) value of its dtype inside it.
    ValueAt(Bound),
    /// A NaN.
    Nan,
    /// An infinity.
    Infinity,
    /// −0.0.
    NegativeZero,
    /// A subnormal float.
    Subnormal,
}

fn unsatisfiable(location: &str, reason: &str) -> Error {
    Error::from(ErrorKind::InvalidSpec {
        location: location.into(),
        reason: reason.into(),
    })
}

fn flip_order(o: Order) -> Order {
    match o {
        Order::C => Order::F,
        Order::F => Order::C,
    }
}

fn flip_byte_order(b: ByteOrder) -> ByteOrder {
    match b {
        ByteOrder::Little => ByteOrder::Big,
        ByteOrder::Big => ByteOrder::Little,
    }
}

/// An array of `dtype` whose values satisfy `values` when some value of the dtype does, and
/// are any values otherwise.
fn fill(
    dtype: DType,
    shape: &Shape,
    order: Order,
    values: &ValueSpec,
    c: &mut dyn Choices,
) -> DynArray {
    values::valid_array(dtype, shape, order, values, c)
        .or_else(|| values::valid_array(dtype, shape, order, &ValueSpec::new(), c))
        .expect(
            "every value is valid under an empty ValueSpec, and the data has the shape's length",
        )
}

/// Whether every element is finite.
fn is_finite(array: &DynArray) -> bool {
    let r = values::reached(array, &ValueSpec::new());
    !r.nan && !r.inf
}

impl Generator {
    /// A generator for one array.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::InvalidSpec`] when no array satisfies the spec (no allowed dtype has a
    /// value within `values`, or the smallest shape is over the spec's limits).
    pub fn for_array(spec: &ArraySpec) -> Result<Self> {
        Self::new(vec![("arr_0".to_string(), spec.clone())], None)
    }

    /// A generator for a bundle (built with [`BundleSpec::build`]).
    ///
    /// # Errors
    ///
    /// As [`Generator::for_array`], and when a name's axes accept no common size or a name is
    /// both an axis and a variadic run.
    pub fn for_bundle(spec: &BundleSpec) -> Result<Self> {
        let arrays = spec
            .names()
            .filter_map(|n| spec.array(n).map(|s| (n.to_string(), s.clone())))
            .collect();
        Self::new(arrays, Some(spec.clone()))
    }

    /// A generator for the spec of a spec file.
    ///
    /// # Errors
    ///
    /// As [`Generator::for_array`] and [`Generator::for_bundle`].
    pub fn for_spec_file(file: &SpecFile) -> Result<Self> {
        match file {
            SpecFile::Array(spec) => Self::for_array(spec),
            SpecFile::Bundle(spec) => Self::for_bundle(spec),
        }
    }

    fn new(arrays: Vec<(String, ArraySpec)>, bundle_spec: Option<BundleSpec>) -> Result<Self> {
        let bundle = bundle_spec.is_some();
        let mut names = Names::new();
        let mut uses: BTreeMap<Box<str>, usize> = BTreeMap::new();
        let mut slots = Vec::new();
        for (name, spec) in arrays {
            if let Some(shape) = spec.shape_spec() {
                shapes::collect_names(&name, shape, &mut names)?;
                for n in shape.names() {
                    let count = shape
                        .items()
                        .iter()
                        .filter(|item| match item {
                            ShapeItem::Axis(a) => a.name() == Some(n),
                            ShapeItem::Variadic(v) => v.as_deref() == Some(n),
                        })
                        .count();
                    *uses.entry(n.into()).or_default() += count;
                }
            }
            // A spec that allows any dtype gets NumPy's (every format holds them); `bf16`,
            // which `.npy` cannot hold, only when the spec names it.
            let allowed = spec.dtypes().unwrap_or(&DType::NUMPY);
            let dtypes: Vec<DType> = allowed
                .iter()
                .copied()
                .filter(|&d| values::has_valid(d, spec.values()))
                .collect();
            if dtypes.is_empty() {
                return Err(unsatisfiable(
                    &format!("arrays.{name}.values"),
                    "no value of an allowed dtype satisfies the value constraints",
                ));
            }
            let limits = spec.limits_over(&Limits::default());
            slots.push(Slot {
                name,
                spec,
                dtypes,
                limits,
            });
        }
        let generator = Generator {
            slots,
            bundle_spec,
            bundle,
            names,
            uses,
            max_elements: DEFAULT_MAX_ELEMENTS,
        };
        // The smallest shapes must be within the limits: a sample falls back to them.
        let mut bound = BTreeMap::new();
        let mut zero = super::Replay::new(&[]);
        for slot in &generator.slots {
            let draw = generator.draw_shape(slot, &mut bound, &mut zero, true);
            if !generator.fits(slot, slot.dtypes[0], &draw.dims) {
                return Err(unsatisfiable(
                    &format!("arrays.{}", slot.name),
                    "the smallest array the shape allows is over the limits",
                ));
            }
        }
        Ok(generator)
    }

    /// Caps the elements of each generated array (a larger array is redrawn with the
    /// smallest sizes); bounds that need more are not reached. Defaults to 4096.
    pub fn with_max_elements(mut self, max: usize) -> Self {
        self.max_elements = max;
        self
    }

    /// Whether the spec is a bundle.
    pub fn is_bundle(&self) -> bool {
        self.bundle
    }

    /// The spec of a single-array generator.
    pub fn array_spec(&self) -> Option<&ArraySpec> {
        match &self.bundle_spec {
            Some(_) => None,
            None => self.slots.first().map(|s| &s.spec),
        }
    }

    /// The spec of a bundle generator.
    pub fn bundle_spec(&self) -> Option<&BundleSpec> {
        self.bundle_spec.as_ref()
    }

    /// The array names, in checking order (`arr_0` for a single-array spec).
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.slots.iter().map(|s| s.name.as_str())
    }

    fn draw_shape(
        &self,
        slot: &Slot,
        bound: &mut BTreeMap<Box<str>, Binding>,
        c: &mut dyn Choices,
        minimal: bool,
    ) -> ShapeDraw {
        let max_ndim = slot.limits.max_ndim.min(32);
        shapes::draw(
            slot.spec.shape_spec(),
            &self.names,
            bound,
            max_ndim,
            c,
            minimal,
        )
    }

    /// Whether an array of `dtype` and `dims` is within the slot's limits.
    fn fits(&self, slot: &Slot, dtype: DType, dims: &[usize]) -> bool {
        let Ok(shape) = Shape::new(dims.to_vec()) else {
            return false;
        };
        let elements = crate::util::to_u64(shape.len());
        let bytes = shape.byte_len(dtype.itemsize()).map(crate::util::to_u64);
        dims.len() <= slot.limits.max_ndim
            && elements <= slot.limits.max_elements
            && bytes.is_ok_and(|b| b <= slot.limits.max_bytes)
    }

    fn draw_array(
        &self,
        slot: &Slot,
        bound: &mut BTreeMap<Box<str>, Binding>,
        c: &mut dyn Choices,
    ) -> GenArray {
        let dtype = slot.dtypes[c.index(slot.dtypes.len())];
        let snapshot = bound.clone();
        let mut draw = self.draw_shape(slot, bound, c, false);
        let small = Shape::new(draw.dims.clone()).is_ok_and(|s| s.len() <= self.max_elements);
        if !small || !self.fits(slot, dtype, &draw.dims) {
            *bound = snapshot;
            draw = self.draw_shape(slot, bound, c, true);
        }
        let shape = Shape::new(draw.dims.clone())
            .expect("Generator::new checked the smallest shapes, which have no overflow");
        let order = match slot.spec.order() {
            Some(o) if shape.orders_coincide() && c.choose(3) == 3 => flip_order(o),
            Some(o) => o,
            None => [Order::C, Order::F][c.index(2)],
        };
        let byte_order = match slot.spec.byte_order() {
            Some(b) => b,
            None => [ByteOrder::Little, ByteOrder::Big][c.index(2)],
        };
        let array = fill(dtype, &shape, order, slot.spec.values(), c);
        let json_data = json_data_for(&array, c);
        GenArray {
            name: slot.name.clone(),
            array,
            byte_order,
            npy_version: [1, 2, 3][c.index(3)],
            json_data,
            draw,
        }
    }

    /// A sample that satisfies the spec: every array the library reads back equal (bit for
    /// bit) to its [`GenArray::array`].
    pub fn sample(&self, c: &mut dyn Choices) -> Sample {
        let mut bound = BTreeMap::new();
        let arrays = self
            .slots
            .iter()
            .map(|slot| self.draw_array(slot, &mut bound, c))
            .collect();
        Sample {
            arrays,
            compression: [Compression::Stored, Compression::Deflated][c.index(2)],
        }
    }

    /// The rules a near miss in `format` can break for this spec.
    pub fn rules(&self, format: Format) -> Vec<Rule> {
        let mut rules = Vec::new();
        let any = |f: &dyn Fn(&Slot) -> bool| self.slots.iter().any(f);
        if any(&|s| s.spec.dtypes().is_some_and(|d| d.len() < DType::ALL.len())) {
            rules.push(Rule::DType);
        }
        if any(&|s| s.spec.byte_order().is_some() && s.dtypes.iter().any(|d| d.unit_size() > 1)) {
            rules.push(Rule::ByteOrder);
        }
        if any(&|s| s.spec.order().is_some()) {
            rules.push(Rule::Order);
        }
        if any(&|s| s.spec.shape_spec().is_some()) {
            rules.push(Rule::Ndim);
        }
        if any(&|s| {
            s.spec.shape_spec().is_some_and(|p| {
                p.items()
                    .iter()
                    .any(|i| matches!(i, ShapeItem::Axis(a) if breakable(a.dim()).is_some()))
            })
        }) {
            rules.push(Rule::Dim);
        }
        if self.uses.values().any(|&n| n > 1) {
            rules.push(Rule::NamedDim);
        }
        let mut kinds: Vec<ValueKind> = Vec::new();
        for s in &self.slots {
            for &d in &s.dtypes {
                for k in values::invalid_kinds(d, s.spec.values()) {
                    if !kinds.contains(&k) {
                        kinds.push(k);
                    }
                }
            }
        }
        rules.extend(kinds.into_iter().map(Rule::Value));
        if any(&|s| s.dtypes.contains(&DType::Bool)) {
            rules.push(Rule::InvalidBool);
        }
        rules.extend([Rule::Truncated, Rule::Trailing]);
        if matches!(format, Format::Npy | Format::Npz) {
            rules.push(Rule::LyingHeader);
        }
        if self.bundle {
            if self.slots.len() > 1 {
                rules.push(Rule::MissingArray);
            }
            rules.push(Rule::UnknownArray);
        }
        rules
    }

    /// A near miss for `format`: a sample that breaks exactly one rule of
    /// [`Generator::rules`], labelled with the code the library returns for it.
    pub fn near_miss(&self, c: &mut dyn Choices, format: Format) -> NearMiss {
        let rules = self.rules(format);
        for _ in 0..NEAR_MISS_ATTEMPTS {
            let rule = rules[c.index(rules.len())];
            let sample = self.sample(c);
            if let Some(miss) = self.break_rule(sample, rule, format, c) {
                return miss;
            }
        }
        let sample = self.sample(c);
        self.break_rule(sample, Rule::Trailing, format, c)
            .expect("trailing bytes can be appended to any sample")
    }

    /// A near miss of `rule` built from `sample`, or `None` when this sample cannot break it
    /// alone (an empty array has no value to spoil, a one-axis array no order to flip).
    pub fn break_rule(
        &self,
        mut sample: Sample,
        rule: Rule,
        format: Format,
        c: &mut dyn Choices,
    ) -> Option<NearMiss> {
        let k = c.index(sample.arrays.len());
        let slot = &self.slots[k];
        let values = slot.spec.values();
        let mut damage = None;
        let target = &mut sample.arrays[k];
        let (shape, order) = (target.array.shape().clone(), target.array.order());
        match rule {
            Rule::DType => {
                let allowed = slot.spec.dtypes()?;
                // From NumPy's dtypes, which every format holds.
                let others: Vec<DType> = DType::NUMPY
                    .iter()
                    .copied()
                    .filter(|d| !allowed.contains(d))
                    .collect();
                let dtype = *others.get(c.index(others.len()))?;
                target.array = fill(dtype, &shape, order, values, c);
                target.json_data = json_data_for(&target.array, c);
            }
            Rule::ByteOrder => {
                let required = slot.spec.byte_order()?;
                if target.array.dtype().unit_size() == 1 {
                    let wide: Vec<DType> = slot
                        .dtypes
                        .iter()
                        .copied()
                        .filter(|d| d.unit_size() > 1)
                        .collect();
                    let dtype = *wide.get(c.index(wide.len()))?;
                    target.array = fill(dtype, &shape, order, values, c);
                    target.json_data = json_data_for(&target.array, c);
                }
                target.byte_order = flip_byte_order(required);
            }
            Rule::Order => {
                let required = slot.spec.order()?;
                if shape.orders_coincide() {
                    return None;
                }
                target.array = fill(
                    target.array.dtype(),
                    &shape,
                    flip_order(required),
                    values,
                    c,
                );
                target.json_data = json_data_for(&target.array, c);
            }
            Rule::Ndim => {
                let (min, max) = slot.spec.shape_spec()?.ndim_range();
                let mut dims = shape.dims().to_vec();
                match max {
                    Some(max) if c.flag() || min == 0 => dims.resize(max + 1, 1),
                    _ if min > 0 => dims.truncate(min - 1),
                    _ => return None,
                }
                self.reshape(target, &dims, values, c)?;
            }
            Rule::Dim => {
                let axes: Vec<(usize, usize)> = target
                    .draw
                    .axes
                    .iter()
                    .filter_map(|a| {
                        breakable(a.dim).map(|sizes| (a.axis, sizes[c.index(sizes.len())]))
                    })
                    .collect();
                let &(axis, size) = axes.get(c.index(axes.len()))?;
                let mut dims = shape.dims().to_vec();
                dims[axis] = size;
                self.reshape(target, &dims, values, c)?;
            }
            Rule::NamedDim => {
                let mut dims = shape.dims().to_vec();
                let axes: Vec<(usize, usize)> = target
                    .draw
                    .axes
                    .iter()
                    .filter(|a| a.name.is_some() && !a.binds)
                    .filter_map(|a| {
                        let s = dims[a.axis];
                        [s.checked_add(1), s.checked_sub(1)]
                            .into_iter()
                            .flatten()
                            .find(|&n| a.dim.accepts(n))
                            .map(|n| (a.axis, n))
                    })
                    .collect();
                let runs: Vec<(usize, usize)> = target
                    .draw
                    .run
                    .iter()
                    .filter(|r| r.name.is_some() && !r.binds && r.len > 0)
                    .map(|r| (r.start, dims[r.start] + 1))
                    .collect();
                let all: Vec<(usize, usize)> = axes.into_iter().chain(runs).collect();
                let &(axis, size) = all.get(c.index(all.len()))?;
                dims[axis] = size;
                self.reshape(target, &dims, values, c)?;
            }
            Rule::Value(kind) => {
                if target.array.is_empty()
                    || !values::invalid_kinds(target.array.dtype(), values).contains(&kind)
                {
                    return None;
                }
                let at = c.index(target.array.len());
                let array = target.array.clone();
                target.array = values::poison(array, at, kind, values, c)?;
                target.json_data = json_data_for(&target.array, c);
            }
            Rule::InvalidBool => {
                if !slot.dtypes.contains(&DType::Bool) || shape.is_empty() {
                    return None;
                }
                if target.array.dtype() != DType::Bool {
                    target.array = fill(DType::Bool, &shape, order, values, c);
                }
                target.json_data = JsonData::Base64;
                damage = Some(Damage::BoolByte(c.index(shape.len())));
            }
            Rule::Truncated => {
                let nbytes = target.array.as_bytes().len();
                let cut = match format {
                    Format::Json => 1,
                    _ if nbytes == 0 => return None,
                    _ => 1 + c.index(nbytes.min(target.array.dtype().itemsize())),
                };
                damage = Some(Damage::Truncate(cut));
            }
            Rule::Trailing => {
                let bytes = match format {
                    Format::Json => b" 0".to_vec(),
                    _ => (0..=c.index(8))
                        .map(|_| u8::try_from(c.choose(255)).unwrap_or(0))
                        .collect(),
                };
                damage = Some(Damage::Append(bytes));
            }
            Rule::LyingHeader => {
                if !matches!(format, Format::Npy | Format::Npz) {
                    return None;
                }
                damage = Some(Damage::HeaderLen);
            }
            Rule::MissingArray => {
                if !self.bundle || sample.arrays.len() < 2 {
                    return None;
                }
                let name = sample.arrays.remove(k).name;
                return Some(NearMiss {
                    sample,
                    rule,
                    array: name,
                    format,
                    code: rule.code(format),
                    damage: None,
                });
            }
            Rule::UnknownArray => {
                if !self.bundle {
                    return None;
                }
                let mut extra = target.clone();
                let mut name = "unexpected".to_string();
                while self.slots.iter().any(|s| s.name == name) {
                    name.push('_');
                }
                extra.name.clone_from(&name);
                sample.arrays.push(extra);
                return Some(NearMiss {
                    sample,
                    rule,
                    array: name,
                    format,
                    code: rule.code(format),
                    damage: None,
                });
            }
        }
        let array = sample.arrays[k].name.clone();
        Some(NearMiss {
            sample,
            rule,
            array,
            format,
            code: rule.code(format),
            damage: damage.map(|d| (k, d)),
        })
    }

    /// Gives `target` the shape `dims` (valid values, same dtype and order); `None` when the
    /// shape overflows or is over the element cap.
    fn reshape(
        &self,
        target: &mut GenArray,
        dims: &[usize],
        values: &ValueSpec,
        c: &mut dyn Choices,
    ) -> Option<()> {
        let shape = Shape::new(dims.to_vec()).ok()?;
        if shape.len() > self.max_elements.max(1) * 4 {
            return None;
        }
        target.array = fill(
            target.array.dtype(),
            &shape,
            target.array.order(),
            values,
            c,
        );
        target.json_data = json_data_for(&target.array, c);
        Some(())
    }

    /// Every feature of the spec's space that samples can reach, given the element cap.
    pub fn features(&self) -> Vec<Feature> {
        let mut out: Vec<Feature> = Vec::new();
        let mut push = |f: Feature| {
            if !out.contains(&f) {
                out.push(f);
            }
        };
        for v in 1..=3 {
            push(Feature::NpyVersion(v));
        }
        push(Feature::JsonData(JsonData::Nested));
        push(Feature::JsonData(JsonData::Base64));
        let some_axis = self.slots.iter().any(|s| {
            s.spec
                .shape_spec()
                .is_none_or(|p| p.ndim_range().1 != Some(0))
        });
        if some_axis {
            push(Feature::JsonData(JsonData::Flat));
        }
        push(Feature::Compression(Compression::Stored));
        push(Feature::Compression(Compression::Deflated));
        for (k, slot) in self.slots.iter().enumerate() {
            for &d in &slot.dtypes {
                push(Feature::DType(d));
                let (edges, specials) = values::reachable(d, slot.spec.values());
                for b in edges {
                    push(Feature::ValueAt(b));
                }
                for (present, f) in [
                    (specials.nan, Feature::Nan),
                    (specials.inf, Feature::Infinity),
                    (specials.negative_zero, Feature::NegativeZero),
                    (specials.subnormal, Feature::Subnormal),
                ] {
                    if present {
                        push(f);
                    }
                }
            }
            if slot.dtypes.iter().any(|d| d.unit_size() > 1) {
                match slot.spec.byte_order() {
                    Some(b) => push(Feature::ByteOrder(b)),
                    None => {
                        push(Feature::ByteOrder(ByteOrder::Little));
                        push(Feature::ByteOrder(ByteOrder::Big));
                    }
                }
            }
            match slot.spec.order() {
                Some(o) => push(Feature::Order(o)),
                None => {
                    push(Feature::Order(Order::C));
                    push(Feature::Order(Order::F));
                }
            }
            let Some(pattern) = slot.spec.shape_spec() else {
                push(Feature::Empty);
                push(Feature::Scalar);
                continue;
            };
            let effective =
                |dim: Dim, name: Option<&str>| match name.and_then(|n| self.names.get(n)) {
                    Some(NameUse::Size(d)) => *d,
                    _ => dim,
                };
            let axes: Vec<(usize, Dim)> = pattern
                .items()
                .iter()
                .enumerate()
                .filter_map(|(i, item)| match item {
                    ShapeItem::Axis(a) => Some((i, effective(a.dim(), a.name()))),
                    ShapeItem::Variadic(_) => None,
                })
                .collect();
            let room = slot.limits.max_ndim.min(32).saturating_sub(axes.len());
            let run = pattern.is_variadic() && room > 0;
            if pattern.ndim_range().0 == 0 {
                push(Feature::Scalar);
            }
            if run || axes.iter().any(|(_, d)| shapes::bounds(*d).0 == 0) {
                push(Feature::Empty);
            }
            if pattern.is_variadic() {
                push(Feature::RunEmpty { array: k });
                if room >= 2 {
                    push(Feature::RunLong { array: k });
                }
            }
            for &(item, dim) in &axes {
                match dim {
                    Dim::Any => push(Feature::AxisZero { array: k, item }),
                    Dim::Exact(_) => {}
                    Dim::Range { max, .. } => {
                        push(Feature::AxisAtMin { array: k, item });
                        let others_empty = run
                            || axes
                                .iter()
                                .any(|&(i, d)| i != item && shapes::bounds(d).0 == 0);
                        let others: usize = axes
                            .iter()
                            .filter(|&&(i, _)| i != item)
                            .map(|&(_, d)| shapes::bounds(d).0.max(1))
                            .fold(1usize, usize::saturating_mul);
                        let small = max <= MAX_EDGE
                            && (others_empty || max.saturating_mul(others) <= self.max_elements);
                        if small {
                            push(Feature::AxisAtMax { array: k, item });
                        }
                    }
                }
            }
        }
        out
    }

    /// The features `sample` reaches (arrays matched to the spec's by name; an array the
    /// spec does not name counts for nothing).
    pub fn reached(&self, sample: &Sample) -> Vec<Feature> {
        let mut out: Vec<Feature> = vec![Feature::Compression(sample.compression)];
        for g in &sample.arrays {
            let Some(k) = self.slots.iter().position(|s| s.name == g.name) else {
                continue;
            };
            let slot = &self.slots[k];
            let a = &g.array;
            out.push(Feature::DType(a.dtype()));
            if a.dtype().unit_size() > 1 {
                out.push(Feature::ByteOrder(g.byte_order));
            }
            out.push(Feature::Order(a.order()));
            out.push(Feature::NpyVersion(g.npy_version));
            out.push(Feature::JsonData(g.json_data));
            if a.is_empty() {
                out.push(Feature::Empty);
            }
            if a.shape().ndim() == 0 {
                out.push(Feature::Scalar);
            }
            let dims = a.shape().dims();
            for axis in &g.draw.axes {
                let Some(&size) = dims.get(axis.axis) else {
                    continue;
                };
                let item = axis.item;
                match axis.effective {
                    Dim::Any if size == 0 => out.push(Feature::AxisZero { array: k, item }),
                    Dim::Range { min, .. } if size == min => {
                        out.push(Feature::AxisAtMin { array: k, item });
                    }
                    Dim::Range { max, .. } if size == max => {
                        out.push(Feature::AxisAtMax { array: k, item });
                    }
                    _ => {}
                }
            }
            if let Some(run) = &g.draw.run {
                match run.len {
                    0 => out.push(Feature::RunEmpty { array: k }),
                    1 => {}
                    _ => out.push(Feature::RunLong { array: k }),
                }
            }
            let r = values::reached(a, slot.spec.values());
            out.extend(r.edges.into_iter().map(Feature::ValueAt));
            for (present, f) in [
                (r.nan, Feature::Nan),
                (r.inf, Feature::Infinity),
                (r.negative_zero, Feature::NegativeZero),
                (r.subnormal, Feature::Subnormal),
            ] {
                if present {
                    out.push(f);
                }
            }
        }
        out
    }
}

/// Sizes just outside `dim`, or `None` for any size.
fn breakable(dim: Dim) -> Option<Vec<usize>> {
    let sizes: Vec<usize> = match dim {
        Dim::Any => return None,
        Dim::Exact(n) => [n.checked_sub(1), n.checked_add(1)]
            .into_iter()
            .flatten()
            .collect(),
        Dim::Range { min, max } => [min.checked_sub(1), (max < MAX_EDGE).then(|| max + 1)]
            .into_iter()
            .flatten()
            .collect(),
    };
    (!sizes.is_empty()).then_some(sizes)
}

/// The JSON data form of an array: base64 when a value has no JSON number; not nested when
/// the array is in F order (nested data is in logical order, and an envelope declares its
/// order only for flat and base64 data); not flat for a 0-d or empty array; else any.
fn json_data_for(array: &DynArray, c: &mut dyn Choices) -> JsonData {
    if !is_finite(array) {
        return JsonData::Base64;
    }
    let nested = array.order() == Order::C || array.shape().orders_coincide();
    // A flat `[]` is read as nested data: empty arrays are nested or base64.
    let flat = array.shape().ndim() > 0 && !array.is_empty();
    let forms: &[JsonData] = match (nested, !flat) {
        (true, true) => &[JsonData::Nested, JsonData::Base64],
        (true, false) => &[JsonData::Nested, JsonData::Flat, JsonData::Base64],
        (false, _) => &[JsonData::Flat, JsonData::Base64],
    };
    forms[c.index(forms.len())]
}
