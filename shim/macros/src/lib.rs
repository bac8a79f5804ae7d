//! `#[conc_check::test]`: turns a function into a test that conc-check explores.
//!
//! ```ignore
//! #[conc_check::test]
//! fn two_increments() { /* uses conc_check::sync and conc_check::thread */ }
//!
//! #[conc_check::test(strategy = "pct", depth = 3, iterations = 1000)]
//! fn deep_bug() { /* … */ }
//!
//! #[conc_check::test]
//! async fn a_task_and_its_handle() { /* runs under conc_check::future::block_on */ }
//! ```
//!
//! Arguments: `strategy` (`"dfs"`, `"random"`, `"race"`, `"pct"`, `"portfolio"`), `depth`, `iterations`,
//! `max_preemptions`, `seed`, `max_steps`, `time_budget_secs`, `spurious_wakeups`,
//! `memory_model` (`"rc11"` or `"seqcst"`). Anything not
//! given comes from `Builder::new()`, which reads the `CONC_CHECK_*` variables.
//!
//! `#[should_panic]` (with or without `expected = "…"`) means: some interleaving must panic
//! (with that text in its message). The exploration looks for it, and the test passes when it
//! finds it and fails when no interleaving panics.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2};
use quote::quote;
use syn::parse::Parser;
use syn::punctuated::Punctuated;
use syn::{Expr, ExprLit, ItemFn, Lit, MetaNameValue, Token};

/// Marks a function as a conc-check test. See the crate documentation for the arguments.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    match expand(args.into(), item.into()) {
        Ok(tokens) => tokens.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn expand(args: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
    let function: ItemFn = syn::parse2(item)?;
    if !function.sig.inputs.is_empty() {
        return Err(syn::Error::new_spanned(
            &function.sig.inputs,
            "a #[conc_check::test] function takes no arguments",
        ));
    }
    if function.sig.asyncness.is_some() && !matches!(function.sig.output, syn::ReturnType::Default)
    {
        return Err(syn::Error::new_spanned(
            &function.sig.output,
            "an async #[conc_check::test] function returns nothing (assert or unwrap inside it)",
        ));
    }
    let settings = Punctuated::<MetaNameValue, Token![,]>::parse_terminated.parse2(args)?;
    let mut calls = Vec::new();
    let mut strategy: Option<(String, Span)> = None;
    let mut depth: Option<TokenStream2> = None;
    for setting in settings {
        let name = setting
            .path
            .get_ident()
            .map(|i| i.to_string())
            .unwrap_or_default();
        let value = &setting.value;
        match name.as_str() {
            "strategy" => strategy = Some((string_of(value)?, span_of(value))),
            "depth" => depth = Some(quote!(#value)),
            "iterations" => calls.push(quote!(.iterations(#value))),
            "seed" => calls.push(quote!(.seed(#value))),
            "max_steps" => calls.push(quote!(.max_steps(#value))),
            "spurious_wakeups" => calls.push(quote!(.spurious_wakeups(#value))),
            "memory_model" => {
                let model = match string_of(value)?.to_ascii_lowercase().as_str() {
                    "rc11" => quote!(::conc_check::MemoryModel::Rc11),
                    "seqcst" => quote!(::conc_check::MemoryModel::SeqCst),
                    _ => {
                        return Err(syn::Error::new_spanned(
                            value,
                            "unknown memory model; expected \"rc11\" or \"seqcst\"",
                        ))
                    }
                };
                calls.push(quote!(.memory_model(#model)));
            }
            "time_budget_secs" => calls.push(quote!(.time_budget(::std::time::Duration::from_secs(#value)))),
            "max_preemptions" => calls.push(match value {
                Expr::Path(p) if p.path.is_ident("None") => quote!(.max_preemptions(::std::option::Option::None)),
                _ => quote!(.max_preemptions(::std::option::Option::Some(#value))),
            }),
            _ => {
                return Err(syn::Error::new_spanned(
                    &setting.path,
                    "unknown setting; expected one of: strategy, depth, iterations, max_preemptions, seed, \
                     max_steps, time_budget_secs, spurious_wakeups, memory_model",
                ))
            }
        }
    }
    match (strategy, depth) {
        (Some((s, span)), depth) => {
            let variant =
                match s.as_str() {
                    "dfs" => quote!(::conc_check::Strategy::Dfs),
                    "random" => quote!(::conc_check::Strategy::Random),
                    "race" => quote!(::conc_check::Strategy::Race),
                    "portfolio" => quote!(::conc_check::Strategy::Portfolio),
                    "pct" => {
                        let d = depth.unwrap_or(quote!(3));
                        quote!(::conc_check::Strategy::Pct { depth: #d })
                    }
                    _ => return Err(syn::Error::new(
                        span,
                        "unknown strategy; expected \"dfs\", \"random\", \"race\", \"pct\" or \"portfolio\"",
                    )),
                };
            calls.insert(0, quote!(.strategy(#variant)));
        }
        (None, Some(d)) => calls.insert(
            0,
            quote!(.strategy(::conc_check::Strategy::Pct { depth: #d })),
        ),
        (None, None) => {}
    }
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
        ..
    } = function;
    let name = &sig.ident;
    if let Some(expected) = should_panic(&attrs)? {
        calls.push(quote!(.expect_panic(#expected)));
    }
    // An `async fn` test runs its body under `conc_check::future::block_on`.
    let body = match sig.asyncness {
        Some(_) => quote!({ ::conc_check::future::block_on(async move #block) }),
        None => quote!(#block),
    };
    Ok(quote! {
        #[test]
        #(#attrs)*
        #vis fn #name() {
            fn body() #body
            ::conc_check::Builder::new().whole_test() #(#calls)* .check(body);
        }
    })
}

/// The text a `#[should_panic]` attribute expects (`""`: any panic), if the test has one. It
/// stays on the test for libtest; the exploration is told too, so that finding a panicking
/// execution is what the test asks for rather than a finding.
fn should_panic(attrs: &[syn::Attribute]) -> syn::Result<Option<String>> {
    let Some(attr) = attrs.iter().find(|a| a.path().is_ident("should_panic")) else {
        return Ok(None);
    };
    match &attr.meta {
        syn::Meta::Path(_) => Ok(Some(String::new())),
        syn::Meta::NameValue(nv) => string_of(&nv.value).map(Some),
        syn::Meta::List(list) => {
            let settings = Punctuated::<MetaNameValue, Token![,]>::parse_terminated
                .parse2(list.tokens.clone())?;
            let expected = settings
                .iter()
                .find(|s| s.path.is_ident("expected"))
                .map(|s| string_of(&s.value))
                .transpose()?;
            Ok(Some(expected.unwrap_or_default()))
        }
    }
}

fn string_of(expr: &Expr) -> syn::Result<String> {
    match expr {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Ok(s.value()),
        _ => Err(syn::Error::new_spanned(expr, "expected a string literal")),
    }
}

fn span_of(expr: &Expr) -> Span {
    syn::spanned::Spanned::span(expr)
}
