//! [`ArrayConfig`]: what an endpoint accepts (spec, limits, and per format the raw layout, the
//! JSON form or field), attached to a route as an [`Extension`](axum::Extension).

use std::sync::Arc;

use arrayguard::{json, npy, raw, ArraySpec, Limits};

/// What one endpoint accepts: the [`ArraySpec`] and the [`Limits`], plus what the body's
/// format needs (a raw [`Layout`](raw::Layout), a JSON [`Form`](json::Form), a JSON field
/// name). Every extractor of this crate reads it from the request's extensions, so it is
/// attached to a route with axum's [`Extension`](axum::Extension) layer:
///
/// ```
/// use arrayguard::{ArraySpec, DType, Dim, Limits};
/// use arrayguard_axum::{ArrayConfig, Npy};
/// use axum::{routing::post, Extension, Router};
///
/// async fn sum(Npy(points): Npy<f32>) -> String {
///     points.as_slice().iter().sum::<f32>().to_string()
/// }
///
/// let mut limits = Limits::default();
/// limits.max_bytes = 16 << 20;
/// let points = ArrayConfig::new(ArraySpec::new(DType::F32).with_shape([Dim::Any, Dim::Exact(3)]))
///     .limits(limits);
/// let app: Router = Router::new().route("/sum", post(sum).layer(Extension(points)));
/// ```
///
/// One type serves the four extractors because an endpoint is defined by its spec and
/// limits, whatever the format its body comes in: the same value configures an endpoint
/// that takes `.npy` and one that takes JSON, and the format-specific setters are ignored by
/// the extractors that do not use them. A [`Raw`](crate::Raw) extractor on a route whose
/// config has no [`layout`](ArrayConfig::layout), or a [`JsonField`](crate::JsonField)
/// without a [`field`](ArrayConfig::field), answers 500 (`server.missing_config`), as a route
/// without any config does: those are the server's bugs, not the client's.
///
/// Cloning is cheap (the settings are shared), which matters because the extension layer
/// clones the value into every request.
#[derive(Clone, Debug)]
pub struct ArrayConfig {
    inner: Arc<Settings>,
}

#[derive(Clone, Debug)]
struct Settings {
    spec: ArraySpec,
    limits: Limits,
    layout: Option<raw::Layout>,
    form: json::Form,
    allow_nan: bool,
    c_order: bool,
    field: Option<Box<str>>,
}

impl ArrayConfig {
    /// An endpoint accepting arrays that satisfy `spec`, with [`Limits::default`], no raw
    /// layout, nested JSON arrays, `NaN` refused, arrays in the order they arrive in.
    pub fn new(spec: ArraySpec) -> Self {
        ArrayConfig {
            inner: Arc::new(Settings {
                spec,
                limits: Limits::default(),
                layout: None,
                form: json::Form::Nested,
                allow_nan: false,
                c_order: false,
                field: None,
            }),
        }
    }

    fn settings(&mut self) -> &mut Settings {
        Arc::make_mut(&mut self.inner)
    }

    /// Sets the limits. Defaults to [`Limits::default`]. The spec's own limit overrides, if
    /// any, apply on top ([`ArraySpec::limits_over`]), and the result also bounds the request
    /// body (see [the crate docs](crate#body-limits)).
    pub fn limits(mut self, limits: Limits) -> Self {
        self.settings().limits = limits;
        self
    }

    /// Sets the layout of raw bodies, required by the [`Raw`](crate::Raw) extractor. Defaults
    /// to none.
    pub fn layout(mut self, layout: raw::Layout) -> Self {
        self.settings().layout = Some(layout);
        self
    }

    /// Sets the form of JSON bodies read by [`JsonArray`](crate::JsonArray): nested arrays,
    /// an envelope `{"dtype", "shape", "data"}`, or either. Defaults to
    /// [`json::Form::Nested`]. A [`JsonField`](crate::JsonField) always reads nested arrays.
    pub fn form(mut self, form: json::Form) -> Self {
        self.settings().form = form;
        self
    }

    /// Accepts `NaN`, `Infinity` and `-Infinity` in JSON bodies (as Python's `json.dumps`
    /// writes them) for float dtypes. Defaults to `false`. The spec's value constraints
    /// (`nan`, `inf`, `finite`) still apply, to every format.
    pub fn allow_nan(mut self, allow: bool) -> Self {
        self.settings().allow_nan = allow;
        self
    }

    /// Delivers arrays in C (row-major) order, converting Fortran-order input. Defaults to
    /// `false`.
    pub fn c_order(mut self, c_order: bool) -> Self {
        self.settings().c_order = c_order;
        self
    }

    /// Sets the name of the field of a JSON object body that holds the array, required by
    /// the [`JsonField`](crate::JsonField) extractor. Defaults to none.
    pub fn field(mut self, name: impl Into<Box<str>>) -> Self {
        self.settings().field = Some(name.into());
        self
    }

    /// The spec.
    pub fn spec(&self) -> &ArraySpec {
        &self.inner.spec
    }

    /// The limits in force: the configured limits with the spec's overrides on top.
    pub fn effective_limits(&self) -> Limits {
        self.inner.spec.limits_over(&self.inner.limits)
    }

    /// The raw layout, if set.
    pub fn raw_layout(&self) -> Option<&raw::Layout> {
        self.inner.layout.as_ref()
    }

    /// The name of the JSON field, if set.
    pub fn field_name(&self) -> Option<&str> {
        self.inner.field.as_deref()
    }

    /// The `.npy` reader's options.
    pub(crate) fn npy_options(&self) -> npy::ReadOptions {
        npy::ReadOptions::new()
            .limits(self.inner.limits.clone())
            .c_order(self.inner.c_order)
    }

    /// The raw reader's options.
    pub(crate) fn raw_options(&self) -> raw::ReadOptions {
        raw::ReadOptions::new()
            .limits(self.inner.limits.clone())
            .c_order(self.inner.c_order)
    }

    /// The JSON reader's options.
    pub(crate) fn json_options(&self) -> json::ReadOptions {
        json::ReadOptions::new()
            .limits(self.inner.limits.clone())
            .allow_nan(self.inner.allow_nan)
            .c_order(self.inner.c_order)
            .form(self.inner.form)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrayguard::{DType, LimitOverrides};

    #[test]
    fn spec_overrides_win_over_the_limits() {
        let mut overrides = LimitOverrides::default();
        overrides.max_bytes = Some(100);
        let mut limits = Limits::default();
        limits.max_bytes = 1000;
        limits.max_input_bytes = 2000;
        let config =
            ArrayConfig::new(ArraySpec::new(DType::U8).with_limits(overrides)).limits(limits);
        let effective = config.effective_limits();
        assert_eq!(
            (effective.max_bytes, effective.max_input_bytes),
            (100, 2000)
        );
    }

    #[test]
    fn clones_share_until_changed() {
        let a = ArrayConfig::new(ArraySpec::any());
        let b = a.clone();
        assert!(Arc::ptr_eq(&a.inner, &b.inner));
        let c = b.field("x");
        assert_eq!((a.field_name(), c.field_name()), (None, Some("x")));
    }
}
