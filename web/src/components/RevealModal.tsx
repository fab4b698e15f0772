import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Alert, Checkbox, Form, Input, Modal, type ButtonProps } from 'antd';
import { ApiError, bareMessage, request } from '../api.ts';

export type RevealField = 'citizenId' | 'phone';
/** `POST /api/persons/:id/reveal` */
export interface Revealed { citizenId?: string; phone?: string | null }

interface RevealValues { fields: RevealField[]; reason: string }

/** A number still shown masked (`120103********1234`, `138****5678`). */
export const isMasked = (v: string | null | undefined): v is string => typeof v === 'string' && v.includes('*');

/**
 * Asks why the full citizen ID / phone is needed, then unmasks them with
 * `POST /api/persons/:id/reveal`. The server writes the reason to the audit log.
 */
export default function RevealModal({ personId, personName, available, open, onClose, onRevealed }: {
  personId: number;
  personName: string;
  /** Fields that are masked now; only these are offered. */
  available: RevealField[];
  open: boolean;
  onClose: () => void;
  onRevealed: (values: Revealed) => void;
}): ReactNode {
  const { t } = useTranslation();
  const [form] = Form.useForm<RevealValues>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const submit = async (v: RevealValues): Promise<void> => {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await request<Revealed>(`/persons/${personId}/reveal`, {
        method: 'POST', body: { fields: v.fields, reason: v.reason.trim() },
      });
      onRevealed(answer);
    } catch (e) {
      if (e instanceof ApiError && e.field === 'reason') form.setFields([{ name: 'reason', errors: [bareMessage(e)] }]);
      setError(e instanceof ApiError ? `${bareMessage(e)} (${e.code})` : String(e));
    } finally {
      setBusy(false);
    }
  };

  const okButtonProps: ButtonProps & { 'data-testid': string } = { 'data-testid': 'reveal-submit', danger: true };

  return (
    <Modal
      open={open}
      title={`${t('person.revealTitle')} · ${personName}`}
      okText={t('person.revealSubmit')}
      cancelText={t('common.cancel')}
      okButtonProps={okButtonProps}
      confirmLoading={busy}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
      width={520}
    >
      <Alert type="warning" showIcon title={t('person.revealIntro')} style={{ marginBottom: 16 }} />
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 16 }} data-testid="reveal-error" />}
      <Form<RevealValues>
        form={form}
        layout="vertical"
        initialValues={{ fields: available, reason: '' }}
        onFinish={(v) => void submit(v)}
        data-testid="reveal-form"
      >
        <Form.Item
          name="fields"
          label={t('person.revealFields')}
          rules={[{ required: true, type: 'array', min: 1, message: t('person.revealFieldsRequired') }]}
        >
          <Checkbox.Group
            data-testid="reveal-fields"
            options={available.map((f) => ({ value: f, label: t(`fields.${f}`) }))}
          />
        </Form.Item>
        <Form.Item
          name="reason"
          label={t('person.revealReason')}
          rules={[{
            validator: (_, v: string | undefined) => ((v ?? '').trim().length >= 4
              ? Promise.resolve()
              : Promise.reject(new Error(t('person.revealReasonRequired')))),
          }]}
          required
        >
          <Input.TextArea
            data-testid="reveal-reason"
            rows={3}
            maxLength={500}
            showCount
            placeholder={t('person.revealReasonPlaceholder')}
          />
        </Form.Item>
      </Form>
    </Modal>
  );
}
