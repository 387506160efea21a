//! Choices a user makes on the import screen: a column mapped by hand, unknown columns sent
//! to custom fields or ignored, an encoding chosen over the detected one.

use std::io::Cursor;

use interchange::{Format, Layout, ReadOptions, Reader, Target, encoding_rs, parse_record};
use sync_core::contact::CustomValue;

fn open(bytes: &[u8], options: ReadOptions, name: &str) -> Reader {
    Reader::open(Box::new(Cursor::new(bytes.to_vec())), &options, Some(name)).unwrap()
}

#[test]
fn a_column_mapped_by_hand_goes_where_the_user_said() {
    let mut reader = open(
        b"Name,Handy,Budget\nLena Berg,+49 170 5550123,1200\n",
        ReadOptions::default(),
        "a.csv",
    );
    let mut mapping = reader.suggested_mapping();
    assert_eq!(
        mapping.target_of("Handy"),
        Some(&"phone:mobile".parse().unwrap())
    );
    assert_eq!(mapping.target_of("Budget"), Some(&Target::NoteLine));
    assert!(mapping.set("handy", "phone:work".parse().unwrap()));
    assert!(mapping.set("Budget", "custom:Budget".parse().unwrap()));
    assert!(!mapping.set("Fax", Target::Ignore), "no such column");
    let row = parse_record(&reader.next_record().unwrap().unwrap(), &mapping, "DE");
    assert!(row.is_importable(), "{:?}", row.problems);
    assert_eq!(row.contact.phones[0].label, "work");
    assert_eq!(
        row.contact.custom["Budget"],
        CustomValue::Text("1200".into())
    );
    assert_eq!(
        (
            row.contact.name.given.as_str(),
            row.contact.name.family.as_str()
        ),
        ("Lena", "Berg")
    );
}

#[test]
fn unknown_columns_go_to_notes_to_custom_fields_or_nowhere() {
    let csv = b"First Name,Shoe size\nAna,38\n";
    let mut reader = open(csv, ReadOptions::default(), "a.csv");
    let record = reader.next_record().unwrap().unwrap();
    let mut mapping = reader.suggested_mapping();
    let notes = parse_record(&record, &mapping, "US");
    assert_eq!(notes.contact.notes.as_str(), "Shoe size: 38");

    mapping.redirect_unknown(Target::CompanyField);
    let custom = parse_record(&record, &mapping, "US");
    assert_eq!(
        custom.contact.custom["Shoe size"],
        CustomValue::Text("38".into())
    );
    assert!(custom.contact.notes.as_str().is_empty());

    mapping.redirect_unknown(Target::Ignore);
    mapping.set("Shoe size", Target::Ignore);
    let ignored = parse_record(&record, &mapping, "US");
    assert!(ignored.contact.custom.is_empty() && ignored.contact.notes.as_str().is_empty());
}

#[test]
fn a_mapping_travels_as_json_with_its_keys() {
    let reader = open(
        b"First Name,Mobile Phone\n",
        ReadOptions::default(),
        "a.csv",
    );
    let json = serde_json::to_string(&reader.suggested_mapping()).unwrap();
    assert_eq!(
        json,
        r#"[{"column":"First Name","target":"given"},{"column":"Mobile Phone","target":"phone:mobile"}]"#
    );
    let back: interchange::Mapping = serde_json::from_str(&json).unwrap();
    assert_eq!(back, reader.suggested_mapping());
    assert!(
        serde_json::from_str::<interchange::Mapping>(r#"[{"column":"A","target":"shoe"}]"#)
            .is_err()
    );
}

#[test]
fn a_chosen_encoding_wins_over_the_detected_one() {
    // Windows-1250 (Czech) bytes that detection alone could read as another legacy encoding.
    let (bytes, _, _) = encoding_rs::WINDOWS_1250.encode("Jméno,Příjmení\nTomáš,Novák\n");
    let options = ReadOptions {
        format: Some(Format::Csv),
        encoding: Some(encoding_rs::WINDOWS_1250),
    };
    let mut reader = open(&bytes, options, "kontakty.csv");
    assert_eq!(reader.encoding(), encoding_rs::WINDOWS_1250);
    assert_eq!(reader.columns(), ["Jméno", "Příjmení"]);
    assert_eq!(
        reader.next_record().unwrap().unwrap().cells,
        ["Tomáš", "Novák"]
    );
}

#[test]
fn an_empty_or_headerless_file_is_a_file_error() {
    let options = ReadOptions::default();
    assert!(
        Reader::open(
            Box::new(Cursor::new(Vec::new())),
            &options,
            Some("empty.csv")
        )
        .is_err()
    );
    let reader = open(b"", options, "empty.vcf");
    assert_eq!(reader.layout(), Layout::VCard);
}

#[test]
fn a_reader_can_move_to_a_worker_thread() {
    fn send<T: Send>(_: &T) {}
    let reader = open(b"a,b\n1,2\n", ReadOptions::default(), "a.csv");
    send(&reader);
    let handle = std::thread::spawn(move || reader.count());
    assert_eq!(handle.join().unwrap(), 1);
}
