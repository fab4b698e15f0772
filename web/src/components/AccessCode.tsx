import { useState, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import { Alert, App, Button, Modal, Space, Tooltip, Typography, type ButtonProps } from 'antd';
import { KeyOutlined } from '@ant-design/icons';
import { ApiError, request } from '../api.ts';
import { formatDateTime } from '../format.ts';

/** `POST /api/persons/:id/access-code` */
interface Issued { code: string; expiresAt: string }

/**
 * "Issue access code": after a confirmation (a new code revokes the earlier ones), shows the code
 * once, large, with what the resident does with it.
 */
export default function AccessCodeButton({ personId, personName, disabledReason }: {
  personId: number;
  personName: string;
  /** Set to disable the button, shown as its tooltip. */
  disabledReason?: string;
}): ReactNode {
  const { t } = useTranslation();
  const { modal, message } = App.useApp();
  const [issued, setIssued] = useState<Issued>();
  const [busy, setBusy] = useState(false);

  const issue = async (): Promise<void> => {
    setBusy(true);
    try {
      setIssued(await request<Issued>(`/persons/${personId}/access-code`, { method: 'POST' }));
    } catch (e) {
      void message.error(e instanceof ApiError ? `${e.message} (${e.code})` : String(e));
    } finally {
      setBusy(false);
    }
  };

  const confirm = (): void => {
    const okButtonProps: ButtonProps & { 'data-testid': string } = { 'data-testid': 'access-code-confirm' };
    void modal.confirm({
      title: t('person.accessCodeConfirmTitle'),
      content: t('person.accessCodeConfirm', { name: personName }),
      okText: t('person.accessCodeIssue'),
      cancelText: t('common.cancel'),
      okButtonProps,
      onOk: () => issue(),
    });
  };

  return (
    <>
      <Tooltip title={disabledReason}>
        <Button
          icon={<KeyOutlined />}
          onClick={confirm}
          loading={busy}
          disabled={disabledReason !== undefined}
          data-testid="access-code-button"
        >
          {t('person.accessCode')}
        </Button>
      </Tooltip>
      <Modal
        open={issued !== undefined}
        title={<><KeyOutlined /> {t('person.accessCodeTitle', { name: personName })}</>}
        closable={false}
        mask={{ closable: false }}
        footer={<Button type="primary" onClick={() => setIssued(undefined)} data-testid="access-code-done">{t('person.accessCodeDone')}</Button>}
        destroyOnHidden
        width={520}
      >
        {issued && (
          <Space orientation="vertical" size={16} style={{ width: '100%' }}>
            <div style={{ textAlign: 'center', padding: '16px 0', background: '#fafafa', borderRadius: 8, border: '1px dashed #d9d9d9' }}>
              <Typography.Text
                copyable={{ text: issued.code }}
                data-testid="access-code-value"
                style={{ fontFamily: 'ui-monospace, SFMono-Regular, Menlo, Consolas, monospace', fontSize: 34, fontWeight: 600, letterSpacing: 6 }}
              >
                {issued.code}
              </Typography.Text>
              <div>
                <Typography.Text type="secondary">{t('person.accessCodeExpires', { date: formatDateTime(issued.expiresAt) })}</Typography.Text>
              </div>
            </div>
            <Typography.Paragraph style={{ margin: 0 }}>{t('person.accessCodeHow')}</Typography.Paragraph>
            <Alert type="warning" showIcon title={t('person.accessCodeOnce')} />
          </Space>
        )}
      </Modal>
    </>
  );
}
