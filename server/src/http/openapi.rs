//! The parts of the OpenAPI document no single route states: its title and tags, the two ways
//! of authenticating, and the error shape every operation may answer.
//!
//! Each route describes itself beside its handler (`#[utoipa::path]`); [`finish`] then gives
//! every operation that did not say otherwise the bearer token requirement, and a `default`
//! response in the one error shape (`ErrorBody`), so no failure goes undescribed.

use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::tag::TagBuilder;
use utoipa::openapi::{ContentBuilder, InfoBuilder, OpenApi, OpenApiBuilder, Ref, ResponseBuilder};
use utoipa::{PartialSchema, ToSchema};

use super::error::ErrorBody;

/// The document before any route is added: what the API is.
pub(super) fn base() -> OpenApi {
    let tag = |name: &str, description: &str| {
        TagBuilder::new()
            .name(name)
            .description(Some(description))
            .build()
    };
    OpenApiBuilder::new()
        .info(
            InfoBuilder::new()
                .title("Rolo")
                .version(env!("CARGO_PKG_VERSION"))
                .description(Some(
                    "A shared contact book that works offline. Ids are hyphenated UUID text; \
                     times are milliseconds since the Unix epoch (`*_ms`). Every failure is \
                     `{\"code\", \"message\", \"field\"}` with a stable `code`. A write to a \
                     contact is a change the server makes for the caller, synced to every \
                     device like a device's own edit.",
                ))
                .build(),
        )
        .tags(Some([
            tag(
                "contacts",
                "Contacts: list and search, create, read, edit, lifecycle, sharing",
            ),
            tag(
                "history",
                "Each contact's revisions, and restoring as it was",
            ),
            tag(
                "activity",
                "Calls, visits, meetings and notes logged on a contact",
            ),
            tag("tags", "Tags on contacts, and across the company"),
            tag("directory", "Groups and org units contacts are shared with"),
            tag("members", "The company's members"),
            tag("accounts", "Signing up and in, tokens, devices"),
            tag(
                "cards",
                "Business cards read from photos, and stored images",
            ),
            tag("sync", "The WebSocket devices sync over"),
            tag(
                "operations",
                "Health, readiness, versions, metrics, this document",
            ),
        ]))
        .build()
}

/// Give every operation its authentication and the error shape (see the module page).
pub(super) fn finish(document: &mut OpenApi) {
    let components = document.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .bearer_format("JWT")
                .description(Some(
                    "The access token of `POST /v1/login` (or sign-up, or `POST /v1/token`)",
                ))
                .build(),
        ),
    );
    components.add_security_scheme(
        "metrics_token",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some("`ROLO_METRICS_TOKEN`, for Prometheus"))
                .build(),
        ),
    );
    components
        .schemas
        .entry(ErrorBody::name().into_owned())
        .or_insert_with(ErrorBody::schema);
    for item in document.paths.paths.values_mut() {
        for operation in [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ]
        .into_iter()
        .flatten()
        {
            complete(operation);
        }
    }
}

fn complete(operation: &mut Operation) {
    operation
        .security
        .get_or_insert_with(|| vec![SecurityRequirement::new("bearer", Vec::<String>::new())]);
    let failure = ResponseBuilder::new()
        .description(
            "Any other failure, in the one error shape: `unauthorized` and `token_expired` \
             (401), `bad_request`, `malformed_json` (400), `payload_too_large` (413), \
             `unsupported_media_type` (415), `unavailable` (503), …",
        )
        .content(
            "application/json",
            ContentBuilder::new()
                .schema(Some(Ref::from_schema_name(ErrorBody::name())))
                .build(),
        )
        .build();
    operation
        .responses
        .responses
        .entry("default".to_string())
        .or_insert_with(|| failure.into());
}
