//! The tree of org units (departments, regions, branches): parent links, kept free of cycles.

use std::collections::BTreeMap;

use crate::ids::UnitId;

/// A tenant's org units and their parents. Every constructor and change refuses a cycle, so
/// walking up from any unit reaches a root.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UnitTree {
    /// Each unit's parent; `None` for a top-level unit.
    parents: BTreeMap<UnitId, Option<UnitId>>,
}

/// A change the unit tree refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UnitTreeError {
    /// The unit is not in the tree (as a parent, or as the unit to move).
    #[error("unit {unit} does not exist")]
    UnknownUnit {
        /// The unit.
        unit: UnitId,
    },
    /// The unit is already in the tree.
    #[error("unit {unit} already exists")]
    DuplicateUnit {
        /// The unit.
        unit: UnitId,
    },
    /// Putting `unit` under `parent` would put it inside itself: `parent` is the unit or lies
    /// below it.
    #[error("unit {unit} cannot move under {parent}, which is the unit itself or lies below it")]
    Cycle {
        /// The unit being placed.
        unit: UnitId,
        /// The parent asked for.
        parent: UnitId,
    },
}

impl UnitTree {
    /// A tree with no units.
    pub fn new() -> Self {
        Self::default()
    }

    /// The tree these parent links describe (as a store keeps them, one row per unit, in any
    /// order), or the first unknown parent or cycle found.
    pub fn from_parents(
        links: impl IntoIterator<Item = (UnitId, Option<UnitId>)>,
    ) -> Result<Self, UnitTreeError> {
        let mut parents = BTreeMap::new();
        for (unit, parent) in links {
            if parents.insert(unit, parent).is_some() {
                return Err(UnitTreeError::DuplicateUnit { unit });
            }
        }
        let tree = Self { parents };
        for (unit, parent) in &tree.parents {
            let Some(parent) = *parent else { continue };
            if !tree.parents.contains_key(&parent) {
                return Err(UnitTreeError::UnknownUnit { unit: parent });
            }
            // Walking up from a unit in a tree takes fewer steps than there are units; in a
            // loop it never ends.
            if tree.up_to_limit(*unit).count() >= tree.parents.len() {
                return Err(UnitTreeError::Cycle {
                    unit: *unit,
                    parent,
                });
            }
        }
        Ok(tree)
    }

    /// Add a new unit under `parent` (`None`: at the top).
    pub fn add(&mut self, unit: UnitId, parent: Option<UnitId>) -> Result<(), UnitTreeError> {
        if self.parents.contains_key(&unit) {
            return Err(UnitTreeError::DuplicateUnit { unit });
        }
        if let Some(parent) = parent
            && !self.parents.contains_key(&parent)
        {
            return Err(UnitTreeError::UnknownUnit { unit: parent });
        }
        self.parents.insert(unit, parent);
        Ok(())
    }

    /// Whether `unit` may move under `parent` (`None`: to the top): both exist, and `parent`
    /// is neither the unit nor below it.
    pub fn check_move(&self, unit: UnitId, parent: Option<UnitId>) -> Result<(), UnitTreeError> {
        if !self.parents.contains_key(&unit) {
            return Err(UnitTreeError::UnknownUnit { unit });
        }
        let Some(parent) = parent else {
            return Ok(());
        };
        if !self.parents.contains_key(&parent) {
            return Err(UnitTreeError::UnknownUnit { unit: parent });
        }
        if parent == unit || self.ancestors(parent).any(|above| above == unit) {
            return Err(UnitTreeError::Cycle { unit, parent });
        }
        Ok(())
    }

    /// Move `unit` (with everything below it) under `parent`, after [`UnitTree::check_move`].
    pub fn move_unit(&mut self, unit: UnitId, parent: Option<UnitId>) -> Result<(), UnitTreeError> {
        self.check_move(unit, parent)?;
        self.parents.insert(unit, parent);
        Ok(())
    }

    /// Whether the tree holds `unit`.
    pub fn contains(&self, unit: UnitId) -> bool {
        self.parents.contains_key(&unit)
    }

    /// The unit's parent (`None` for a top-level unit or one not in the tree).
    pub fn parent(&self, unit: UnitId) -> Option<UnitId> {
        self.parents.get(&unit).copied().flatten()
    }

    /// Every unit, in id order.
    pub fn units(&self) -> impl Iterator<Item = UnitId> + '_ {
        self.parents.keys().copied()
    }

    /// The units above `unit`: its parent, the parent's parent, … up to the top. Empty for a
    /// top-level unit or one not in the tree.
    pub fn ancestors(&self, unit: UnitId) -> Ancestors<'_> {
        self.up_to_limit(unit)
    }

    fn up_to_limit(&self, unit: UnitId) -> Ancestors<'_> {
        Ancestors {
            tree: self,
            at: unit,
            // A bound on the walk, so even a tree built wrongly cannot hang a reader.
            steps_left: self.parents.len(),
        }
    }
}

/// The units above a unit, nearest first: see [`UnitTree::ancestors`].
#[derive(Debug, Clone)]
pub struct Ancestors<'a> {
    tree: &'a UnitTree,
    at: UnitId,
    steps_left: usize,
}

impl Iterator for Ancestors<'_> {
    type Item = UnitId;

    fn next(&mut self) -> Option<UnitId> {
        self.steps_left = self.steps_left.checked_sub(1)?;
        self.at = self.tree.parent(self.at)?;
        Some(self.at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COMPANY: UnitId = UnitId::from_u128(1);
    const SALES: UnitId = UnitId::from_u128(2);
    const TOKYO: UnitId = UnitId::from_u128(3);
    const SUPPORT: UnitId = UnitId::from_u128(4);

    /// Company › Sales › Tokyo, and Company › Support.
    fn company() -> UnitTree {
        UnitTree::from_parents([
            (TOKYO, Some(SALES)),
            (COMPANY, None),
            (SALES, Some(COMPANY)),
            (SUPPORT, Some(COMPANY)),
        ])
        .expect("a tree")
    }

    #[test]
    fn ancestors_run_from_the_parent_to_the_top() {
        let tree = company();
        assert_eq!(tree.ancestors(TOKYO).collect::<Vec<_>>(), [SALES, COMPANY]);
        assert_eq!(tree.ancestors(COMPANY).count(), 0);
        assert_eq!(tree.ancestors(UnitId::from_u128(99)).count(), 0);
    }

    #[test]
    fn a_unit_cannot_move_under_itself_or_below_itself() {
        let mut tree = company();
        assert_eq!(
            tree.move_unit(SALES, Some(TOKYO)),
            Err(UnitTreeError::Cycle {
                unit: SALES,
                parent: TOKYO
            })
        );
        assert_eq!(
            tree.move_unit(SALES, Some(SALES)),
            Err(UnitTreeError::Cycle {
                unit: SALES,
                parent: SALES
            })
        );
        assert_eq!(tree, company(), "a refused move changes nothing");
    }

    #[test]
    fn moving_a_unit_takes_everything_below_it_along() {
        let mut tree = company();
        tree.move_unit(SALES, Some(SUPPORT)).unwrap();
        assert_eq!(
            tree.ancestors(TOKYO).collect::<Vec<_>>(),
            [SALES, SUPPORT, COMPANY]
        );
        tree.move_unit(SALES, None).unwrap();
        assert_eq!(tree.ancestors(TOKYO).collect::<Vec<_>>(), [SALES]);
    }

    #[test]
    fn unknown_and_duplicate_units_are_refused() {
        let mut tree = company();
        let nowhere = UnitId::from_u128(99);
        assert_eq!(
            tree.move_unit(nowhere, None),
            Err(UnitTreeError::UnknownUnit { unit: nowhere })
        );
        assert_eq!(
            tree.move_unit(SALES, Some(nowhere)),
            Err(UnitTreeError::UnknownUnit { unit: nowhere })
        );
        assert_eq!(
            tree.add(SALES, None),
            Err(UnitTreeError::DuplicateUnit { unit: SALES })
        );
        assert_eq!(
            tree.add(nowhere, Some(UnitId::from_u128(98))),
            Err(UnitTreeError::UnknownUnit {
                unit: UnitId::from_u128(98)
            })
        );
    }

    #[test]
    fn stored_links_with_a_loop_or_a_missing_parent_are_refused() {
        let looped = UnitTree::from_parents([(SALES, Some(TOKYO)), (TOKYO, Some(SALES))]);
        assert!(matches!(looped, Err(UnitTreeError::Cycle { .. })));
        let itself = UnitTree::from_parents([(SALES, Some(SALES))]);
        assert!(matches!(itself, Err(UnitTreeError::Cycle { .. })));
        let orphan = UnitTree::from_parents([(TOKYO, Some(SALES))]);
        assert_eq!(orphan, Err(UnitTreeError::UnknownUnit { unit: SALES }));
    }
}
