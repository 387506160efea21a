// Rolo's field rules on the device: the same verdicts as sync-core's validation
// (sync-core/src/validate.rs), so the app can show a rep a bad value at once, offline, before
// the server refuses the push. Both implementations run the case table in
// fixtures/field-rules/cases.json; a rule changed on one side only fails a test.
//
// Two halves, as in sync-core: the `check*` readers turn what a user typed into the stored form
// (or a problem), and `checkContact` judges a whole stored contact.

export type {
  ActivityJson,
  AddressJson,
  BlobRefJson,
  CardImageJson,
  ContactJson,
  CustomValueJson,
  DateEntryJson,
  EmailJson,
  LifecycleJson,
  NameJson,
  OrganizationJson,
  PartialDate,
  PhoneJson,
  SocialHandleJson,
  StoredContact,
  UrlJson,
} from "./contact";
export { contactFromStored } from "./contact";
export { checkCountry } from "./country";
export { checkDate, formatDate } from "./date";
export { checkEmail } from "./email";
export * from "./limits";
export { checkPhone } from "./phone";
export type { Checked, FieldProblem } from "./problem";
export { checkUrl } from "./url";
export { checkContact } from "./validate";
