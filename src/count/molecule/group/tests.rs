use super::*;
use proptest::prelude::{any, prop_assert_eq, prop_oneof, proptest, Just};
use proptest::strategy::Strategy as _;

const FWD: bool = false;
const REV: bool = true;

/// A read pair at outer ends 100 (forward) and 300 (reverse), read 1 at
/// the lower end unless `r1_upper`.
fn ends(r1_upper: bool) -> Ends {
    let (lo, hi) = (
        End {
            pos: 100,
            reverse: FWD,
        },
        End {
            pos: 300,
            reverse: REV,
        },
    );
    if r1_upper {
        Ends::of_pair(0, hi, lo)
    } else {
        Ends::of_pair(0, lo, hi)
    }
}

fn frag(e: Ends, umi: &str) -> Fragment {
    Fragment {
        ends: e,
        tag: MoleculeTag::Umi(Umi::parse(umi.as_bytes()).unwrap()),
    }
}

/// `n` copies of each (UMI, count) at the standard ends.
fn at_one_position(umis: &[(&str, usize)]) -> Vec<Fragment> {
    umis.iter()
        .flat_map(|&(u, n)| std::iter::repeat_n(frag(ends(false), u), n))
        .collect()
}

/// Family sizes, in family order.
fn sizes(f: &Families) -> Vec<usize> {
    f.families.iter().map(Family::size).collect()
}

fn group(fs: &[Fragment], strategy: Strategy) -> Families {
    group_fragments(fs, &Grouping { strategy, edits: 1 }).unwrap()
}

#[test]
fn ends_put_the_lower_end_first_and_remember_read_1() {
    let e = ends(true);
    assert_eq!(
        e.lower,
        End {
            pos: 100,
            reverse: FWD
        }
    );
    assert_eq!(
        e.upper,
        Some(End {
            pos: 300,
            reverse: REV
        })
    );
    assert!(!e.r1_lower && ends(false).r1_lower);
    // Same place, same strand (fgbio): read 1 is lower when forward.
    let p = End {
        pos: 5,
        reverse: FWD,
    };
    assert!(Ends::of_pair(0, p, p).r1_lower);
    let q = End {
        pos: 5,
        reverse: REV,
    };
    assert!(!Ends::of_pair(0, q, q).r1_lower);
}

#[test]
fn one_mismatch_joins_two_do_not() {
    let one = at_one_position(&[("ACGTACGT", 10), ("ACGTACGA", 1)]);
    assert_eq!(sizes(&group(&one, Strategy::Directional)), [11]);
    let two = at_one_position(&[("ACGTACGT", 10), ("ACGTACAA", 1)]);
    assert_eq!(sizes(&group(&two, Strategy::Directional)), [10, 1]);
    // Identity never joins different UMIs.
    assert_eq!(sizes(&group(&one, Strategy::Identity)), [10, 1]);
}

/// The rule count(a) ≥ 2·count(b) − 1, at its edge: 5 takes 3 (5 ≥ 5),
/// 4 does not (4 < 5), nor do two equals above one.
#[test]
fn the_direction_is_count_weighted() {
    let join = at_one_position(&[("AAAA", 5), ("AAAC", 3)]);
    assert_eq!(sizes(&group(&join, Strategy::Directional)), [8]);
    let apart = at_one_position(&[("AAAA", 4), ("AAAC", 3)]);
    assert_eq!(sizes(&group(&apart, Strategy::Directional)), [4, 3]);
    let equal = at_one_position(&[("AAAA", 2), ("AAAC", 2)]);
    assert_eq!(sizes(&group(&equal, Strategy::Directional)), [2, 2]);
    // 1 and 1: 1 ≥ 2 − 1, so two single reads one edit apart join.
    let ones = at_one_position(&[("AAAA", 1), ("AAAC", 1)]);
    assert_eq!(sizes(&group(&ones, Strategy::Directional)), [2]);
}

/// A(10) → B(4) → C(1): C is two edits from A but one from B, and joins
/// through B; D(4), one edit from A but two from B, joins A directly.
#[test]
fn families_grow_breadth_first_along_the_gradient() {
    let fs = at_one_position(&[("AAAA", 10), ("AAAC", 4), ("AACC", 1), ("GGGG", 3)]);
    assert_eq!(sizes(&group(&fs, Strategy::Directional)), [15, 3]);
}

#[test]
fn n_is_a_mismatch_like_any_other() {
    let fs = at_one_position(&[("ACGT", 6), ("ACGN", 1)]);
    assert_eq!(sizes(&group(&fs, Strategy::Directional)), [7]);
    assert_eq!(sizes(&group(&fs, Strategy::Identity)), [6, 1]);
    let two = at_one_position(&[("ACGT", 6), ("ACNN", 1)]);
    assert_eq!(sizes(&group(&two, Strategy::Directional)), [6, 1]);
}

/// Two true molecules with the same ends and different UMIs are two
/// families; the same UMI at other ends or in the other orientation is
/// another molecule too.
#[test]
fn collisions_at_one_position_stay_apart() {
    let mut fs = at_one_position(&[("ACGTACGT", 4), ("TTGACCAA", 4)]);
    let moved = Ends {
        lower: End {
            pos: 101,
            reverse: FWD,
        },
        ..ends(false)
    };
    fs.push(frag(moved, "ACGTACGT"));
    fs.push(frag(ends(true), "ACGTACGT"));
    let g = group(&fs, Strategy::Directional);
    assert_eq!(sizes(&g), [4, 4, 1, 1]);
    assert_eq!(g.basis, Some(Basis::Umis(Strategy::Directional)));
    // Keyed by ends first: 100–300 read 1 lower (the collision), 100–300
    // read 1 upper, then 101–300.
    assert_eq!(g.family_of(fs.len()), [0, 0, 0, 0, 1, 1, 1, 1, 3, 2]);
}

/// Strand A: read 1 at the lower end, RX α-β; strand B: read 1 at the
/// upper end, RX β-α. Paired grouping makes them one molecule; the same
/// RX in the other orientation (not swapped) is another molecule.
#[test]
fn swapped_duplex_umis_are_the_two_strands_of_one_molecule() {
    let fs = vec![
        frag(ends(false), "AAAA-CCCC"),
        frag(ends(false), "AAAA-CCCC"),
        frag(ends(true), "CCCC-AAAA"),
        frag(ends(true), "AAAA-CCCC"),
        // An error in strand B's upper part: one edit, joins.
        frag(ends(true), "CCCC-AAAT"),
    ];
    let g = group(&fs, Strategy::Paired);
    assert_eq!(sizes(&g), [4, 1]);
    let a = DuplexStrand::A;
    let b = DuplexStrand::B;
    let m = |index, s| Member {
        index,
        strand: Some(s),
    };
    assert_eq!(g.families[0].members, [m(0, a), m(1, a), m(2, b), m(4, b)]);
    assert_eq!(g.families[1].members, [m(3, b)]);
    assert!(g.families[0].is_duplex() && !g.families[1].is_duplex());
    assert_eq!(g.families[0].strand_sizes(), (2, 2));
    // Without the paired rule, the strands are separate families.
    assert_eq!(sizes(&group(&fs, Strategy::Directional)), [2, 2, 1]);
}

#[test]
fn without_umis_fragments_group_by_position_and_say_so() {
    let untagged = |e| Fragment {
        ends: e,
        tag: MoleculeTag::Untagged,
    };
    let fs = vec![
        untagged(ends(false)),
        untagged(ends(true)),
        untagged(ends(false)),
    ];
    let g = group(&fs, Strategy::Directional);
    assert_eq!(g.basis, Some(Basis::PositionOnly));
    assert_eq!(sizes(&g), [2, 1]);
    let p = group(&fs, Strategy::Paired);
    assert_eq!(sizes(&p), [3]);
    assert_eq!(p.families[0].strand_sizes(), (2, 1));
}

#[test]
fn assigned_families_are_used_as_they_are() {
    let mi = |id: &str, strand| Fragment {
        ends: ends(false),
        tag: MoleculeTag::Family {
            id: id.into(),
            strand,
        },
    };
    let fs = vec![
        mi("7", Some(DuplexStrand::B)),
        mi("12", Some(DuplexStrand::A)),
        mi("7", Some(DuplexStrand::A)),
    ];
    let g = group(&fs, Strategy::Identity);
    assert_eq!(g.basis, Some(Basis::Assigned));
    assert_eq!(g.family_of(3), [1, 0, 1], "ordered by id: \"12\" < \"7\"");
    assert!(g.families[1].is_duplex());
}

#[test]
fn what_cannot_be_grouped_is_named_by_index() {
    let mut fs = at_one_position(&[("ACGT", 2)]);
    fs.push(Fragment {
        ends: ends(false),
        tag: MoleculeTag::Untagged,
    });
    let e = group_fragments(&fs, &Grouping::default()).unwrap_err();
    assert_eq!(
        e,
        GroupError::MixedTags {
            index: 2,
            expected: "a UMI",
            found: "no UMI"
        }
    );
    let fs = at_one_position(&[("ACGT", 1), ("ACGTA", 1)]);
    let e = group_fragments(&fs, &Grouping::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "fragment 1 has UMI ACGTA of 5 bases where the others have 4: all UMIs of one input must have one length"
    );
    let fs = at_one_position(&[("ACGT", 1)]);
    let paired = Grouping {
        strategy: Strategy::Paired,
        edits: 1,
    };
    assert!(matches!(
        group_fragments(&fs, &paired),
        Err(GroupError::NotPaired { index: 0, .. })
    ));
    let single = frag(
        Ends::of_single(
            0,
            End {
                pos: 1,
                reverse: FWD,
            },
        ),
        "AC-GT",
    );
    assert_eq!(
        group_fragments(&[single], &paired),
        Err(GroupError::Unpaired { index: 0 })
    );
    let none = group_fragments(&[], &paired).unwrap();
    assert!(none.families.is_empty() && none.basis.is_none());
}

/// Families as sets of the fragments' original ids, in family order.
fn families_by_id(
    fs: &[(usize, Fragment)],
    strategy: Strategy,
) -> Vec<Vec<(usize, Option<DuplexStrand>)>> {
    let frags: Vec<Fragment> = fs.iter().map(|(_, f)| f.clone()).collect();
    let g = group(&frags, strategy);
    let mut seen = 0;
    let out = g
        .families
        .iter()
        .map(|f| {
            let mut v: Vec<_> = f
                .members
                .iter()
                .map(|m| (fs[m.index as usize].0, m.strand))
                .collect();
            seen += v.len();
            v.sort_unstable();
            v
        })
        .collect();
    assert_eq!(seen, fs.len(), "every fragment in one family");
    out
}

fn arb_fragment() -> impl proptest::strategy::Strategy<Value = Fragment> {
    // Few ends and a 2-letter alphabet, so UMIs collide and sit one edit
    // apart often.
    (
        0..2i64,
        any::<bool>(),
        proptest::collection::vec(prop_oneof![Just(b'A'), Just(b'C')], 6),
    )
        .prop_map(|(shift, r1_upper, bases)| {
            let mut e = ends(r1_upper);
            e.lower.pos += shift;
            Fragment {
                ends: e,
                tag: MoleculeTag::Umi(Umi::pair(&bases[..3], &bases[3..])),
            }
        })
}

proptest! {
    /// Family ids and members do not depend on the order fragments come in.
    #[test]
    fn families_do_not_depend_on_input_order(
        fs in proptest::collection::vec(arb_fragment(), 1..60),
        seed in any::<u64>(),
    ) {
        let numbered: Vec<(usize, Fragment)> = fs.into_iter().enumerate().collect();
        let mut shuffled = numbered.clone();
        // A Fisher–Yates shuffle by a small LCG from the seed.
        let mut s = seed | 1;
        for i in (1..shuffled.len()).rev() {
            s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            shuffled.swap(i, (s >> 33) as usize % (i + 1));
        }
        for strategy in [Strategy::Identity, Strategy::Directional, Strategy::Paired] {
            prop_assert_eq!(families_by_id(&numbered, strategy), families_by_id(&shuffled, strategy));
        }
    }
}
