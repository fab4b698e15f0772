import { useEffect, useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Alert, Form, Input, Modal, Select, type ButtonProps } from 'antd';
import type {
  AbilityLevel, DisabilityCategory, LivingArrangement, PersonFile, PersonPatch,
} from '@minsheng/contracts';
import { ApiError, bareMessage, request } from '../api.ts';
import { abilityLevels, disabilityCategories, disabilityGrades, enumLabel, fieldLabel, livingArrangements } from '../labels.ts';

/** Fields this form edits; the rest of the file is maintained by imports. */
interface EditValues {
  phone?: string;
  livingArrangement?: LivingArrangement;
  abilityLevel?: AbilityLevel;
  disabilityCategory?: DisabilityCategory;
  disabilityGrade?: number;
  reason?: string;
}
type EditField = Exclude<keyof EditValues, 'reason'>;
const EDIT_FIELDS: EditField[] = ['phone', 'livingArrangement', 'abilityLevel', 'disabilityCategory', 'disabilityGrade'];

const PHONE_RE = /^1\d{10}$|^0\d{2,3}-?\d{7,8}$/;

/**
 * The phone as the form starts with it: the full number if it was revealed on the page, else what the
 * API sent, which may be masked (`138****5678`). The masked value counts as "unchanged" and is never
 * sent back.
 */
function basePhone(p: PersonFile, revealedPhone: string | undefined): string | null {
  return revealedPhone ?? p.phone;
}

const isMaskedPhone = (v: string | null | undefined): boolean => typeof v === 'string' && v.includes('*');

function initialValues(p: PersonFile, revealedPhone: string | undefined): EditValues {
  return {
    phone: basePhone(p, revealedPhone) ?? undefined,
    livingArrangement: p.livingArrangement ?? undefined,
    abilityLevel: p.abilityLevel ?? undefined,
    disabilityCategory: p.disabilityCategory ?? undefined,
    disabilityGrade: p.disabilityGrade ?? undefined,
    reason: '',
  };
}

/** Only the fields that differ from the file; cleared values are sent as null. */
function changedFields(p: PersonFile, v: EditValues, revealedPhone: string | undefined): Omit<PersonPatch, 'reason'> {
  const out: Omit<PersonPatch, 'reason'> = {};
  const phone = v.phone?.trim() ? v.phone.trim() : null;
  // Never send a masked number back (the validator refuses edited masked values; this is the backstop).
  if (phone !== basePhone(p, revealedPhone) && !isMaskedPhone(phone)) out.phone = phone;
  const living = v.livingArrangement ?? null;
  if (living !== p.livingArrangement) out.livingArrangement = living;
  const ability = v.abilityLevel ?? null;
  if (ability !== p.abilityLevel) out.abilityLevel = ability;
  const category = v.disabilityCategory ?? null;
  if (category !== p.disabilityCategory) out.disabilityCategory = category;
  const grade = v.disabilityGrade ?? null;
  if (grade !== p.disabilityGrade) out.disabilityGrade = grade;
  return out;
}

/** Maps an API field name (possibly a path such as `body.phone`) to one of the form's fields. */
function formFieldOf(field: string | undefined): keyof EditValues | undefined {
  if (!field) return undefined;
  const last = field.split(/[.[\]/]/).filter(Boolean).pop();
  return last === 'reason' || EDIT_FIELDS.some((f) => f === last) ? (last as keyof EditValues) : undefined;
}

export default function PersonEditModal({ person, revealedPhone, open, onClose, onSaved }: {
  person: PersonFile;
  /** The full phone number, when it was revealed on the page. */
  revealedPhone?: string;
  open: boolean;
  onClose: () => void;
  onSaved: () => void;
}): ReactNode {
  const { t } = useTranslation();
  const [form] = Form.useForm<EditValues>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<string>();

  // The form is destroyed when hidden, so each opening starts from the current file.
  useEffect(() => {
    if (open) setError(undefined);
  }, [open]);

  const submit = async (values: EditValues): Promise<void> => {
    const changes = changedFields(person, values, revealedPhone);
    if (Object.keys(changes).length === 0) {
      setError(t('person.noChange'));
      return;
    }
    const body: PersonPatch = { ...changes, reason: (values.reason ?? '').trim() };
    setSaving(true);
    setError(undefined);
    try {
      await request<unknown>(`/persons/${person.id}`, { method: 'PATCH', body });
      onSaved();
    } catch (e) {
      if (e instanceof ApiError) {
        const f = formFieldOf(e.field);
        if (f) form.setFields([{ name: f, errors: [bareMessage(e)] }]);
        setError(e.field ? t('person.fieldError', { field: fieldLabel(t, e.field), message: bareMessage(e) }) : e.message);
      } else {
        setError(e instanceof Error ? e.message : String(e));
      }
    } finally {
      setSaving(false);
    }
  };

  const okButtonProps: ButtonProps & { 'data-testid': string } = { 'data-testid': 'edit-submit' };
  const phoneMasked = isMaskedPhone(basePhone(person, revealedPhone));

  return (
    <Modal
      open={open}
      title={`${t('person.editTitle')} · ${person.name}`}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      okButtonProps={okButtonProps}
      confirmLoading={saving}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
      width={560}
    >
      <Form<EditValues>
        form={form}
        initialValues={initialValues(person, revealedPhone)}
        layout="vertical"
        onFinish={(v) => void submit(v)}
        data-testid="edit-form"
        requiredMark
      >
        {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="edit-error" />}
        <Form.Item
          name="phone"
          label={t('fields.phone')}
          extra={phoneMasked ? t('person.phoneMaskedHint') : undefined}
          rules={[{
            // The untouched masked number is fine (it is not sent); anything else must be a real number.
            validator: (_, v: string | undefined) => {
              const value = v?.trim() ?? '';
              if (value === '' || value === (basePhone(person, revealedPhone) ?? '') || PHONE_RE.test(value)) return Promise.resolve();
              return Promise.reject(new Error(t('person.phoneInvalid')));
            },
          }]}
        >
          <Input allowClear data-testid="edit-phone" maxLength={20} />
        </Form.Item>
        <Form.Item name="livingArrangement" label={t('fields.livingArrangement')}>
          <Select
            allowClear
            data-testid="edit-living"
            options={livingArrangements.map((v) => ({ value: v, label: enumLabel(t, 'living', v) }))}
          />
        </Form.Item>
        <Form.Item name="abilityLevel" label={t('fields.abilityLevel')}>
          <Select
            allowClear
            data-testid="edit-ability"
            options={abilityLevels.map((v) => ({ value: v, label: enumLabel(t, 'ability', v) }))}
          />
        </Form.Item>
        <div style={{ display: 'flex', gap: 16 }}>
          <Form.Item name="disabilityCategory" label={t('fields.disabilityCategory')} style={{ flex: 2 }}>
            <Select
              allowClear
              data-testid="edit-disability"
              options={disabilityCategories.map((v) => ({ value: v, label: enumLabel(t, 'disability', v) }))}
            />
          </Form.Item>
          <Form.Item name="disabilityGrade" label={t('fields.disabilityGrade')} style={{ flex: 1 }}>
            <Select
              allowClear
              data-testid="edit-grade"
              options={disabilityGrades.map((g) => ({ value: g, label: t('person.gradeN', { grade: g }) }))}
            />
          </Form.Item>
        </div>
        <Form.Item
          name="reason"
          label={t('person.reason')}
          rules={[{ required: true, whitespace: true, min: 2, message: t('person.reasonRequired') }]}
        >
          <Input.TextArea data-testid="edit-reason" rows={3} maxLength={500} showCount />
        </Form.Item>
      </Form>
    </Modal>
  );
}
