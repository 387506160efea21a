import { useEffect, useMemo, useState } from 'preact/hooks';
import { checkContact, toE164, type FieldProblem } from '../check.ts';
import {
  CONTACT_TYPES, LEVELS, MAX_LIST_ITEMS, SOCIAL_NETWORKS, emptyContact, formatPartialDate, tagList,
  type ContactJson, type ListKey, type NameJson, type PartialDateJson,
} from '../sync/contact.ts';
import { newItemId } from '../sync/ids.ts';
import type { Replica } from '../sync/replica.ts';
import { CUSTOM_KINDS, KIND_LABELS, customInputText, customKind, emptyCustom, isKnownKind, readCustomInput, type CustomKind } from './custom.ts';
import { go } from './hooks.ts';

interface FieldSpec {
  key: string;
  label: string;
  type?: 'text' | 'tel' | 'email' | 'url' | 'date' | 'network';
  placeholder?: string;
}

// Every list of the contact, its fields and the labels people usually pick.
const LISTS: { key: ListKey; title: string; one: string; fields: FieldSpec[]; labels?: string[] }[] = [
  { key: 'phones', title: 'Phones', one: 'phone', labels: ['mobile', 'work', 'home', 'main', 'fax', 'other'], fields: [{ key: 'raw', label: 'Number', type: 'tel', placeholder: '+46 70 123 45 67' }] },
  { key: 'emails', title: 'Emails', one: 'email', labels: ['work', 'home', 'other'], fields: [{ key: 'address', label: 'Address', type: 'email' }] },
  { key: 'organizations', title: 'Work', one: 'company', fields: [{ key: 'company', label: 'Company' }, { key: 'department', label: 'Department' }, { key: 'title', label: 'Title' }] },
  { key: 'addresses', title: 'Addresses', one: 'address', labels: ['work', 'home', 'other'], fields: [
    { key: 'street', label: 'Street' }, { key: 'city', label: 'City' }, { key: 'region', label: 'Region' },
    { key: 'postal_code', label: 'Postal code' }, { key: 'country', label: 'Country (ISO code)', placeholder: 'SE' }] },
  { key: 'dates', title: 'Dates', one: 'date', labels: ['birthday', 'anniversary'], fields: [{ key: 'date', label: 'Date', type: 'date', placeholder: 'YYYY-MM-DD or --MM-DD' }] },
  { key: 'urls', title: 'Web sites', one: 'web site', labels: ['work', 'home', 'blog'], fields: [{ key: 'url', label: 'URL', type: 'url', placeholder: 'https://' }] },
  { key: 'social', title: 'Social', one: 'handle', fields: [{ key: 'network', label: 'Network', type: 'network' }, { key: 'handle', label: 'Handle' }] },
];

const NAME_FIELDS: { key: keyof NameJson; label: string }[] = [
  { key: 'prefix', label: 'Prefix' }, { key: 'given', label: 'Given name' }, { key: 'middle', label: 'Middle name' },
  { key: 'family', label: 'Family name' }, { key: 'suffix', label: 'Suffix' }, { key: 'nickname', label: 'Nickname' },
  { key: 'phonetic_given', label: 'Given name reading' }, { key: 'phonetic_family', label: 'Family name reading' },
];

function parseDate(text: string): PartialDateJson | null {
  const full = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  const noYear = /^--(\d{2})-(\d{2})$/.exec(text.trim());
  const [year, month, day] = full ? [Number(full[1]), Number(full[2]), Number(full[3])] : noYear ? [null, Number(noYear[1]), Number(noYear[2])] : [null, 0, 0];
  if (month < 1 || month > 12 || day < 1) return null;
  const days = new Date(Date.UTC(year ?? 2000, month, 0)).getUTCDate();
  return day <= days ? { year, month, day } : null;
}

function newItem(key: ListKey): Record<string, unknown> {
  const id = newItemId();
  switch (key) {
    case 'phones': return { id, label: 'mobile', e164: '', raw: '' };
    case 'emails': return { id, label: 'work', address: '' };
    case 'addresses': return { id, label: 'work', street: '', city: '', region: '', postal_code: '', country: '' };
    case 'organizations': return { id, company: '', department: '', title: '' };
    case 'dates': return { id, label: 'birthday', date: { year: null, month: 0, day: 0 } };
    case 'urls': return { id, label: 'work', url: '' };
    case 'social': return { id, network: 'linkedin', handle: '' };
  }
}

/** A custom field's path in the field rules' problems: `custom["Budget"]`. */
function customField(key: string): string {
  return `custom[${JSON.stringify(key)}]`;
}

function Problems({ problems, field }: { problems: FieldProblem[]; field: string }) {
  const mine = problems.filter((p) => p.field === field || p.field.startsWith(`${field}.`) || p.field.startsWith(`${field}[`));
  if (mine.length === 0) return null;
  return <>{mine.map((p) => <p class="problem" role="alert" data-testid="problem" data-field={p.field} key={p.field + p.code}>{p.message}</p>)}</>;
}

export function ContactEdit({ replica, id, region }: { replica: Replica; id: string | null; region: string }) {
  const original = id ? replica.contacts.get(id)?.contact : undefined;
  const [draft, setDraft] = useState<ContactJson>(() => structuredClone(original ?? emptyContact()));
  const [dateText, setDateText] = useState<Record<string, string>>(() =>
    Object.fromEntries((original?.dates ?? []).map((d) => [d.id, formatPartialDate(d.date)])));
  const [tagsText, setTagsText] = useState(() => (original ? tagList(original).join(', ') : ''));
  const [saving, setSaving] = useState(false);
  const [touched, setTouched] = useState(false);
  const [onlyMe, setOnlyMe] = useState(false);
  const [newField, setNewField] = useState('');
  const [newKind, setNewKind] = useState<CustomKind>('text');
  // Numbers and dates as typed, by field name: the stored value changes only when one reads.
  const [customText, setCustomText] = useState<Record<string, string>>(() =>
    Object.fromEntries(Object.entries(original?.custom ?? {}).filter(([, v]) => ['number', 'date'].includes(customKind(v))).map(([k, v]) => [k, customInputText(v)])));

  useEffect(() => {
    if (!id) return;
    replica.sendPresence(id, 'editing');
    return () => replica.sendPresence(id, 'left');
  }, [replica, id, replica.status]);

  const problems = useMemo(() => {
    const found = checkContact(draft, region);
    draft.dates.forEach((d, i) => {
      if (!parseDate(dateText[d.id] ?? '')) found.push({ field: `dates[${i}].date`, code: 'date_invalid', message: 'Write the date as YYYY-MM-DD, or --MM-DD without the year' });
    });
    for (const [key, value] of Object.entries(draft.custom)) {
      const kind = customKind(value);
      const text = customText[key];
      if ((kind === 'number' || kind === 'date') && text !== undefined) {
        const read = readCustomInput(kind, text, customField(key));
        if ('problem' in read) found.push(read.problem);
      }
    }
    return found;
  }, [draft, region, dateText, customText]);

  const update = (change: (d: ContactJson) => void) => {
    setTouched(true);
    setDraft((current) => {
      const next = structuredClone(current);
      change(next);
      return next;
    });
  };

  const setItemField = (key: ListKey, index: number, field: string, value: string) => update((d) => {
    const item = (d[key] as unknown as Record<string, unknown>[])[index]!;
    if (key === 'phones' && field === 'raw') {
      item.raw = value;
      item.e164 = toE164(value, region);
    } else if (key === 'dates' && field === 'date') {
      item.date = parseDate(value) ?? { year: null, month: 0, day: 0 };
    } else {
      item[field] = key === 'addresses' && field === 'country' ? value.toUpperCase() : value;
    }
  });

  const save = async (event: Event) => {
    event.preventDefault();
    if (problems.length > 0) return;
    setSaving(true);
    // Written to IndexedDB (document and outbox together) before we say it is saved.
    const savedId = id ? (await replica.edit(id, draft), id) : await replica.create(draft, onlyMe ? { t: 'members', members: [] } : undefined);
    setSaving(false);
    go(`/c/${savedId}`);
  };

  return (
    <main class="edit" aria-label={id ? 'Edit contact' : 'New contact'}>
      <form onSubmit={save} noValidate>
        <header class="contact-head">
          <a class="back" href={id ? `#/c/${id}` : '#/'} aria-label="Cancel">‹</a>
          <h1>{id ? 'Edit contact' : 'New contact'}</h1>
          <button class="primary" type="submit" disabled={saving || problems.length > 0} data-testid="save">Save</button>
        </header>
        {touched && problems.length > 0 && <p class="problem-summary" data-testid="problem-summary">{problems.length} {problems.length === 1 ? 'field needs' : 'fields need'} fixing before saving.</p>}

        <fieldset>
          <legend>Name</legend>
          {NAME_FIELDS.map(({ key, label }) => (
            <label key={key}>{label}
              <input name={`name.${key}`} value={draft.name[key]} onInput={(e) => { const v = e.currentTarget.value; update((d) => { d.name[key] = v; }); }} />
            </label>
          ))}
          <Problems problems={problems} field="name" />
        </fieldset>

        {LISTS.map((list) => (
          <fieldset key={list.key}>
            <legend>{list.title}</legend>
            {(draft[list.key] as unknown as Record<string, unknown>[]).map((item, index) => (
              <div class="item" key={String(item.id)} data-testid={`${list.key}-item`}>
                {list.labels && (
                  <label>Label
                    <input name={`${list.key}[${index}].label`} list={`${list.key}-labels`} value={String(item.label)}
                      onInput={(e) => setItemField(list.key, index, 'label', e.currentTarget.value)} />
                  </label>
                )}
                {list.fields.map((field) => (
                  <label key={field.key}>{field.label}
                    {field.type === 'network' ? (
                      <select name={`${list.key}[${index}].network`} value={String(item.network)} onChange={(e) => setItemField(list.key, index, 'network', e.currentTarget.value)}>
                        {[...new Set([...SOCIAL_NETWORKS, String(item.network)])].map((n) => <option key={n} value={n}>{n}</option>)}
                      </select>
                    ) : field.type === 'date' ? (
                      <input name={`${list.key}[${index}].date`} placeholder={field.placeholder} value={dateText[String(item.id)] ?? ''}
                        onInput={(e) => { const v = e.currentTarget.value; setDateText((t) => ({ ...t, [String(item.id)]: v })); setItemField(list.key, index, 'date', v); }} />
                    ) : (
                      <input name={`${list.key}[${index}].${field.key}`} type="text" placeholder={field.placeholder}
                        inputMode={field.type === 'tel' || field.type === 'email' || field.type === 'url' ? field.type : 'text'}
                        value={String((list.key === 'phones' && field.key === 'raw' ? item.raw || item.e164 : item[field.key]) ?? '')}
                        onInput={(e) => setItemField(list.key, index, field.key, e.currentTarget.value)} />
                    )}
                  </label>
                ))}
                <Problems problems={problems} field={`${list.key}[${index}]`} />
                <button type="button" class="remove" aria-label={`Remove this ${list.one}`}
                  onClick={() => update((d) => { (d[list.key] as unknown[]).splice(index, 1); })}>Remove</button>
              </div>
            ))}
            {list.labels && <datalist id={`${list.key}-labels`}>{list.labels.map((l) => <option key={l} value={l} />)}</datalist>}
            <button type="button" class="add" disabled={draft[list.key].length >= MAX_LIST_ITEMS} data-testid={`add-${list.key}`}
              onClick={() => update((d) => { (d[list.key] as unknown[]).push(newItem(list.key)); })}>Add {list.one}</button>
            <Problems problems={problems.filter((p) => p.field === list.key)} field={list.key} />
          </fieldset>
        ))}

        <fieldset>
          <legend>Custom fields</legend>
          {Object.entries(draft.custom).map(([key, value]) => {
            const kind = customKind(value);
            const inner = (value as Readonly<Record<string, unknown>>)[kind];
            const set = (next: unknown) => update((d) => { d.custom[key] = { [kind]: next }; });
            const typed = (text: string) => {
              setCustomText((t) => ({ ...t, [key]: text }));
              if (kind !== 'number' && kind !== 'date') return;
              const read = readCustomInput(kind, text, customField(key));
              if ('value' in read) update((d) => { d.custom[key] = read.value; });
              else setTouched(true);
            };
            return (
              <div class="item" key={key} data-testid="custom-field" data-name={key} data-kind={kind}>
                {kind === 'bool' ? (
                  <label class="check"><input type="checkbox" checked={inner === true} onChange={(e) => set(e.currentTarget.checked)} /> {key}</label>
                ) : kind === 'number' ? (
                  <label>{key}<input inputMode="decimal" value={customText[key] ?? String(inner)} onInput={(e) => typed(e.currentTarget.value)} /></label>
                ) : kind === 'date' ? (
                  <label>{key}<input value={customText[key] ?? customInputText(value)} placeholder="YYYY-MM-DD or --MM-DD" onInput={(e) => typed(e.currentTarget.value)} /></label>
                ) : kind === 'text' ? (
                  <label>{key}<input value={String(inner)} onInput={(e) => set(e.currentTarget.value)} /></label>
                ) : (
                  // A type a newer layout added: shown as stored and kept as it is.
                  <p class="custom-unknown" data-testid="custom-unknown">{key} ({kind}): {JSON.stringify(inner)} <span class="sub">— this app cannot edit it</span></p>
                )}
                <Problems problems={problems} field={customField(key)} />
                <button type="button" class="remove" aria-label={`Remove the field ${key}`} onClick={() => update((d) => { delete d.custom[key]; })}>Remove</button>
              </div>
            );
          })}
          <label>New field (name)
            <input value={newField} onInput={(e) => setNewField(e.currentTarget.value)} placeholder="Account number" />
          </label>
          <label>Its type
            <select aria-label="Type of the new field" value={newKind} onChange={(e) => { const k = e.currentTarget.value; if (isKnownKind(k)) setNewKind(k); }} data-testid="new-field-kind">
              {CUSTOM_KINDS.map((k) => <option key={k} value={k}>{KIND_LABELS[k]}</option>)}
            </select>
          </label>
          <button type="button" class="add" disabled={newField.trim() === '' || newField.trim() in draft.custom}
            onClick={() => {
              const name = newField.trim();
              update((d) => { d.custom[name] = emptyCustom(newKind); });
              if (newKind === 'number' || newKind === 'date') setCustomText((t) => ({ ...t, [name]: '' }));
              setNewField('');
            }}>Add field</button>
        </fieldset>

        <fieldset>
          <legend>About</legend>
          <label>Type
            <select name="type" value={draft.type} onChange={(e) => { const v = e.currentTarget.value; update((d) => { d.type = v; }); }}>
              {[...new Set([...CONTACT_TYPES, draft.type])].map((t) => <option key={t} value={t}>{t}</option>)}
            </select>
          </label>
          <label>Level
            <select name="level" value={draft.level ?? ''} onChange={(e) => { const v = e.currentTarget.value; update((d) => { d.level = v || null; }); }}>
              <option value="">none</option>
              {[...new Set([...LEVELS, ...(draft.level ? [draft.level] : [])])].map((l) => <option key={l} value={l}>{l}</option>)}
            </select>
          </label>
          <label>Language
            <input name="language" value={draft.language ?? ''} placeholder="en, ja, sv-SE" onInput={(e) => { const v = e.currentTarget.value.trim(); update((d) => { d.language = v || null; }); }} />
          </label>
          <Problems problems={problems} field="language" />
          <label>Tags (comma separated)
            <input name="tags" value={tagsText} onInput={(e) => {
              const v = e.currentTarget.value;
              setTagsText(v);
              update((d) => {
                const wanted = v.split(',').map((t) => t.trim()).filter(Boolean);
                d.tags = Object.fromEntries(wanted.map((t) => [t, true]));
              });
            }} />
          </label>
          <Problems problems={problems} field="tags" />
          {!id && (
            <label class="check">
              <input type="checkbox" name="only-me" checked={onlyMe} onChange={(e) => setOnlyMe(e.currentTarget.checked)} data-testid="only-me" />
              Only I can see this contact (private)
            </label>
          )}
          <label>Notes
            <textarea name="notes" rows={5} value={draft.notes} onInput={(e) => { const v = e.currentTarget.value; update((d) => { d.notes = v; }); }} />
          </label>
        </fieldset>
      </form>
    </main>
  );
}
