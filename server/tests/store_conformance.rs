//! The store conformance suite: every scenario is written once against the `Store` trait and
//! runs on both implementations — SQLite in a temporary file and Postgres on a throw-away
//! cluster (or `DATABASE_URL`'s server), a fresh database per test. Where the in-memory
//! reference store (`sync_core::sim::MemoryTenant`) defines the behaviour, a scenario drives
//! both and asserts they answer alike.

mod store_conformance {
    pub mod access;
    pub mod accounts;
    pub mod backfill;
    pub mod blobs;
    pub mod cards;
    pub mod directory;
    pub mod feed;
    pub mod imports;
    pub mod listing;
    pub mod nodes;
    pub mod ownership;
    pub mod paging;
    pub mod pushes;
    pub mod refusals;
    pub mod search;
    pub mod search_cases;
    pub mod sight;
    pub mod support;
}

use store_conformance::{
    access, accounts, backfill, blobs, cards, directory, feed, imports, listing, nodes, ownership,
    paging, pushes, refusals, search, search_cases, sight,
};

/// Generate one `#[tokio::test]` per scenario and backend: `sqlite::NAME` and
/// `postgres::NAME`. `store` scenarios take a `&dyn Store`; `backend` scenarios open handles
/// of their own (to reopen, or to act as a second node).
macro_rules! conformance {
    (
        store: [$($smodule:ident :: $sname:ident),* $(,)?],
        backend: [$($bmodule:ident :: $bname:ident),* $(,)?] $(,)?
    ) => {
        conformance!(@backend sqlite, sqlite, [$($smodule::$sname),*], [$($bmodule::$bname),*]);
        conformance!(@backend postgres, postgres, [$($smodule::$sname),*], [$($bmodule::$bname),*]);
    };
    (
        @backend $name:ident, $open:ident,
        [$($smodule:ident :: $sname:ident),*],
        [$($bmodule:ident :: $bname:ident),*]
    ) => {
        mod $name {
            use crate::store_conformance::support::Backend;
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $sname() {
                    let backend = Backend::$open().await;
                    let store = backend.open().await;
                    crate::$smodule::$sname(store.as_ref()).await;
                }
            )*
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $bname() {
                    let backend = Backend::$open().await;
                    crate::$bmodule::$bname(&backend).await;
                }
            )*
        }
    };
}

conformance! {
    store: [
        accounts::a_tenant_starts_with_its_owner_and_emails_are_unique,
        accounts::members_join_groups_and_register_devices,
        accounts::a_refresh_token_rotates_once_and_a_replay_revokes_the_device,
        accounts::expired_and_revoked_refresh_tokens_are_invalid,
        accounts::every_node_signs_with_the_first_key_stored,
        pushes::a_new_contact_and_its_edits_get_one_seq_each,
        pushes::a_repushed_change_is_acknowledged_without_a_new_row,
        pushes::a_contact_not_shared_with_the_member_is_forbidden,
        pushes::a_purged_contact_is_not_found,
        pushes::changes_breaking_a_field_rule_are_invalid,
        pushes::changes_with_missing_dependencies_or_garbage_are_refused,
        pushes::a_refused_contact_does_not_hold_back_the_others,
        feed::members_receive_only_what_they_may_see_as_the_reference_store_decides,
        feed::a_new_device_resynchronises_across_several_pages,
        feed::a_long_feed_is_read_in_pages_of_about_a_mebibyte,
        feed::repair_sends_missing_changes_only_to_members_who_may_see,
        feed::the_tail_after_a_cursor_is_every_row_up_to_the_head,
        cards::an_upload_is_one_card_however_often_it_is_retried,
        cards::a_read_card_is_stored_once_and_offered_until_reviewed,
        cards::a_dead_workers_card_is_taken_again_and_retries_back_off,
        cards::contacts_sharing_an_email_or_phone_are_found,
        imports::an_import_runs_forward_and_keeps_its_failed_rows_once,
        imports::a_running_import_has_one_runner_until_its_lease_runs_out,
        imports::an_uploaded_file_is_forgotten_only_after_its_import_ended,
        imports::a_members_imports_are_theirs_and_newest_first,
        imports::duplicates_are_looked_for_only_among_what_the_member_sees,
        blobs::a_private_contacts_image_is_served_only_to_members_who_may_see_it,
        blobs::an_image_two_contacts_hold_survives_the_purge_of_one,
        blobs::an_image_a_commit_drops_is_deleted_once_nothing_holds_it,
        blobs::knowing_a_hash_does_not_unlock_an_image,
        blobs::a_purge_takes_the_images_of_reviewed_cards_along,
        directory::a_member_added_to_a_group_gains_its_contacts_and_loses_them_when_removed,
        directory::a_contact_shared_with_a_unit_is_seen_from_the_units_below_until_one_moves_away,
        directory::deleting_a_group_or_a_unit_revokes_what_it_shared,
        directory::a_deactivated_member_loses_everything_and_gets_it_back_when_reactivated,
        sight::each_member_sees_exactly_what_sharing_groups_and_units_grant_through_every_change,
        refusals::directory_changes_naming_what_is_not_the_companys_change_nothing,
        refusals::sharing_past_the_limit_is_refused_and_what_is_stored_is_normalized,
        access::a_members_access_names_their_groups_units_above_and_activity,
        access::the_access_generation_moves_with_every_directory_change_and_nothing_else,
        ownership::a_transferred_contact_keeps_its_old_owner_in_sight_unless_everyone_sees_it,
        ownership::a_contact_goes_only_to_an_active_member_of_its_company,
        search::a_contact_is_found_by_any_part_of_its_name_email_phone_company_or_tag,
        search::a_search_finds_only_what_the_searcher_may_see,
        search::a_renamed_contact_is_found_by_its_new_name_only,
        listing::filters_and_shelves_keep_to_what_was_asked,
        listing::a_contact_loads_whole_with_its_metadata_until_purged,
        paging::both_orders_visit_every_contact_once_across_pages,
        paging::a_search_or_a_filter_pages_like_the_whole_list,
        paging::a_contact_changed_while_paging_is_not_listed_twice_and_hides_no_other,
        paging::a_broad_word_and_a_rare_word_page_alike,
        paging::a_renamed_contact_moves_in_a_searchs_name_order,
        search_cases::every_search_of_the_shared_case_table_finds_what_the_table_says,
    ],
    backend: [
        nodes::concurrent_pushes_get_gap_free_seqs_in_commit_order,
        nodes::everything_survives_reopening_the_store,
        nodes::a_second_node_never_works_on_a_stale_cached_document,
        cards::two_nodes_never_claim_one_card_twice,
        blobs::images_stored_before_refs_were_kept_are_found_at_start_up,
        backfill::contacts_stored_before_the_projection_are_found_after_start_up,
        backfill::term_rows_follow_a_rename_and_go_with_a_purge,
    ],
}

/// Postgres only: SQLite is a single node with nothing to announce.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_nodes_hear_of_each_others_commits() {
    let backend = store_conformance::support::Backend::postgres().await;
    nodes::other_nodes_hear_of_each_commit(&backend).await;
}

/// SQLite only: pushes commit on a connection of their own, beside the sqlx writer.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_a_write_refused_half_way_leaves_nothing_and_the_next_commit_lands() {
    let backend = store_conformance::support::Backend::sqlite().await;
    nodes::a_write_refused_half_way_leaves_nothing_and_the_next_commit_lands(&backend).await;
}

/// SQLite only: its connections share the data through a file, so a URL naming an in-memory
/// database (which each connection would see empty and apart) is refused at start-up, by
/// name, rather than acknowledging pushes into a database no reader sees.
#[tokio::test]
async fn sqlite_an_in_memory_database_is_refused_by_name() {
    for url in ["sqlite::memory:", "sqlite://file:rolo?mode=memory"] {
        let error = server::store::sqlite::SqliteStore::open(url)
            .await
            .expect_err("an in-memory database must be refused");
        let message = error.to_string();
        assert!(
            message.contains(url) && message.contains("in-memory"),
            "{message}"
        );
    }
}
