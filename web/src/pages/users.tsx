import { useMemo, useState, type HTMLAttributes, type ReactNode } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import {
  Alert, App, Button, Card, Form, Input, Modal, Select, Space, Switch, Table, Tag, Tooltip, Typography,
  type ButtonProps,
} from 'antd';
import type { TableColumnsType } from 'antd';
import {
  DeleteOutlined, EditOutlined, LockOutlined, PlusOutlined, SearchOutlined, UnlockOutlined, UserAddOutlined,
} from '@ant-design/icons';
import { ApiError, bareMessage, request, useApi } from '../api.ts';
import { useMe } from '../auth.tsx';
import ErrorAlert from '../components/ErrorAlert.tsx';
import { GridSelect, RegionPicker } from '../components/RegionPicker.tsx';
import { enumLabel } from '../labels.ts';
import dayjs from 'dayjs';
import { formatDateTime } from '../format.ts';
import {
  MIN_PASSWORD_LENGTH, ROLE_LEVEL, ROLES, type BindingInput, type Role, type StaffUser, type UserCreate, type UserPatch,
} from '../access.ts';

interface RoleRow { role?: Role; regionCode?: string; gridId?: string }
interface UserFormValues {
  username: string;
  displayName: string;
  office: string;
  password?: string;
  active: boolean;
  roles: RoleRow[];
}

const USERNAME_RE = /^[a-z0-9._-]{3,40}$/;
const CODE_RE = /^\d{12}$/;

function toBindings(rows: RoleRow[]): BindingInput[] {
  return rows.map((r) => ({
    role: r.role as Role,
    regionCode: (r.regionCode ?? '').trim(),
    ...(r.role === 'grid-worker' ? { gridId: r.gridId ?? null } : {}),
  }));
}

const sameBindings = (a: BindingInput[], b: BindingInput[]): boolean =>
  JSON.stringify(a.map((x) => [x.role, x.regionCode, x.gridId ?? null])) === JSON.stringify(b.map((x) => [x.role, x.regionCode, x.gridId ?? null]));

/**
 * A server field such as `roles.0.regionCode` as a form field name (`['roles', 0, 'regionCode']`),
 * when the form has that field.
 */
type TopField = 'username' | 'displayName' | 'office' | 'password';
type RoleField = 'role' | 'regionCode' | 'gridId';
type FormFieldName = [TopField] | ['roles', number, RoleField];
const TOP_FIELDS: readonly string[] = ['username', 'displayName', 'office', 'password'] satisfies TopField[];
const ROLE_FIELDS: readonly string[] = ['role', 'regionCode', 'gridId'] satisfies RoleField[];

function formNameOf(field: string | undefined): FormFieldName | undefined {
  if (!field) return undefined;
  const parts = field.split('.');
  if (parts.length === 1 && TOP_FIELDS.includes(parts[0] ?? '')) return [parts[0] as TopField];
  const [head, index, leaf] = parts;
  if (parts.length === 3 && head === 'roles' && /^\d+$/.test(index ?? '') && ROLE_FIELDS.includes(leaf ?? '')) {
    return ['roles', Number(index), leaf as RoleField];
  }
  return undefined;
}

/**
 * The server's validation messages are English; the common ones are said again in the user's
 * language, anything else is shown as the server wrote it.
 */
function explainError(t: TFunction, e: ApiError): string {
  const msg = bareMessage(e);
  const level = /a ([a-z-]+) is bound to a ([a-z]+), not a ([a-z]+)/.exec(msg);
  if (level) {
    return t('users.errLevel', {
      role: enumLabel(t, 'role', level[1]), level: enumLabel(t, 'regionLevel', level[2]), actual: enumLabel(t, 'regionLevel', level[3]),
    });
  }
  const unknown = /unknown region (\d+)/.exec(msg);
  if (unknown) return t('users.errUnknownRegion', { code: unknown[1] });
  if (/is not in community/.test(msg)) return t('users.errGridCommunity');
  if (/only grid workers/.test(msg)) return t('users.errGridOnly');
  if (e.code === 'conflict' && e.field === 'username') return t('users.errUsernameTaken');
  if (e.field === 'password' && /at least/.test(msg)) return t('users.passwordTooShort', { min: MIN_PASSWORD_LENGTH });
  return msg;
}

/** `roles.0.regionCode` → "角色 1 · 管辖区划". */
function fieldTitle(t: TFunction, field: string): string {
  const name = formNameOf(field);
  if (!name) return field;
  if (name[0] === 'roles') {
    const leaf = name[2] === 'role' ? t('users.role') : name[2] === 'regionCode' ? t('users.region') : t('users.grid');
    return `${t('users.roleN', { n: name[1] + 1 })} · ${leaf}`;
  }
  return t(`users.${name[0]}`);
}

/** One role binding in the form: role, region (level checked by the server), grid for grid workers. */
function RoleRowFields({ name, onRemove, canRemove }: { name: number; onRemove: () => void; canRemove: boolean }): ReactNode {
  const { t } = useTranslation();
  const form = Form.useFormInstance<UserFormValues>();
  const role = Form.useWatch(['roles', name, 'role'], form);
  const regionCode = Form.useWatch(['roles', name, 'regionCode'], form);
  const level = role ? ROLE_LEVEL[role] : undefined;

  return (
    <div
      data-testid="role-row"
      style={{ display: 'flex', gap: 8, alignItems: 'flex-start', flexWrap: 'wrap', padding: '12px 12px 0', border: '1px solid #f0f0f0', borderRadius: 6, marginBottom: 8 }}
    >
      <Form.Item
        name={[name, 'role']}
        label={t('users.role')}
        rules={[{ required: true, message: t('users.required') }]}
        style={{ width: 200, marginBottom: 12 }}
      >
        <Select<Role>
          data-testid={`role-select-${name}`}
          options={ROLES.map((r) => ({ value: r, label: enumLabel(t, 'role', r) }))}
          onChange={(r) => { if (r !== 'grid-worker') form.setFieldValue(['roles', name, 'gridId'], undefined); }}
        />
      </Form.Item>
      <Form.Item
        name={[name, 'regionCode']}
        label={t('users.region')}
        extra={level ? t('users.levelHint', { level: level === 'any' ? t('users.anyLevel') : enumLabel(t, 'regionLevel', level) }) : undefined}
        rules={[
          { required: true, message: t('users.required') },
          { pattern: CODE_RE, message: t('users.regionCodeInvalid') },
        ]}
        style={{ flex: '1 1 320px', minWidth: 0, marginBottom: 12 }}
      >
        <RegionPicker testId={`region-picker-${name}`} />
      </Form.Item>
      {role === 'grid-worker' && (
        <Form.Item
          name={[name, 'gridId']}
          label={t('users.grid')}
          rules={[{ required: true, message: t('users.required') }]}
          style={{ flex: '1 1 260px', minWidth: 0, marginBottom: 12 }}
        >
          <GridSelect communityCode={regionCode} testId={`grid-select-${name}`} />
        </Form.Item>
      )}
      <Tooltip title={t('users.removeRole')}>
        <Button
          icon={<DeleteOutlined />}
          type="text"
          danger
          disabled={!canRemove}
          onClick={onRemove}
          style={{ marginTop: 30 }}
          aria-label={t('users.removeRole')}
        />
      </Tooltip>
    </div>
  );
}

/** Create (`POST /api/admin/users`) or edit (`PATCH /api/admin/users/:id`) an account. */
function UserFormModal({ user, open, onClose, onSaved }: {
  /** undefined: a new account. */
  user: StaffUser | undefined;
  open: boolean;
  onClose: () => void;
  onSaved: (user: StaffUser, created: boolean) => void;
}): ReactNode {
  const { t } = useTranslation();
  const me = useMe();
  const [form] = Form.useForm<UserFormValues>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();
  const editing = user !== undefined;

  const initial: UserFormValues = user
    ? {
      username: user.username, displayName: user.displayName, office: user.office, active: user.active, password: '',
      roles: user.roles.map((r) => ({ role: r.role, regionCode: r.regionCode, gridId: r.gridId ?? undefined })),
    }
    : { username: '', displayName: '', office: '', active: true, password: '', roles: [{}] };

  const submit = async (v: UserFormValues): Promise<void> => {
    setError(undefined);
    const roles = toBindings(v.roles);
    let body: UserCreate | UserPatch;
    if (!user) {
      body = {
        username: v.username.trim().toLowerCase(), displayName: v.displayName.trim(), office: v.office.trim(),
        password: v.password ?? '', roles,
      };
    } else {
      const patch: UserPatch = {};
      if (v.displayName.trim() !== user.displayName) patch.displayName = v.displayName.trim();
      if (v.office.trim() !== user.office) patch.office = v.office.trim();
      if (v.active !== user.active) patch.active = v.active;
      if (v.password) patch.password = v.password;
      if (!sameBindings(roles, user.roles)) patch.roles = roles;
      if (Object.keys(patch).length === 0) {
        setError(t('users.noChange'));
        return;
      }
      body = patch;
    }
    setBusy(true);
    try {
      const saved = user
        ? await request<StaffUser>(`/admin/users/${user.id}`, { method: 'PATCH', body })
        : await request<StaffUser>('/admin/users', { method: 'POST', body });
      onSaved(saved, !user);
    } catch (e) {
      if (e instanceof ApiError) {
        const name = formNameOf(e.field);
        const text = explainError(t, e);
        if (name) form.setFields([{ name, errors: [text] }]);
        setError(e.field ? t('users.formError', { field: fieldTitle(t, e.field), message: text }) : text);
      } else {
        setError(String(e));
      }
    } finally {
      setBusy(false);
    }
  };

  const okButtonProps: ButtonProps & { 'data-testid': string } = { 'data-testid': 'user-submit' };

  return (
    <Modal
      open={open}
      title={user ? t('users.editTitle', { username: user.username }) : t('users.createTitle')}
      okText={t('common.save')}
      cancelText={t('common.cancel')}
      okButtonProps={okButtonProps}
      confirmLoading={busy}
      onOk={() => form.submit()}
      onCancel={onClose}
      destroyOnHidden
      width={760}
    >
      {editing && user.id === me.id && <Alert type="warning" showIcon title={t('users.selfWarning')} style={{ marginBottom: 12 }} />}
      {editing && <Alert type="info" showIcon title={t('users.sessionsEnd')} style={{ marginBottom: 12 }} />}
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} data-testid="user-form-error" />}
      <Form<UserFormValues>
        form={form}
        layout="vertical"
        initialValues={initial}
        onFinish={(v) => void submit(v)}
        data-testid="user-form"
      >
        <div style={{ display: 'flex', gap: 12, flexWrap: 'wrap' }}>
          <Form.Item
            name="username"
            label={t('users.username')}
            style={{ flex: '1 1 200px' }}
            rules={editing ? [] : [
              { required: true, message: t('users.required') },
              { pattern: USERNAME_RE, message: t('users.usernameRule'), transform: (v: string) => v.trim().toLowerCase() },
            ]}
            extra={editing ? undefined : t('users.usernameRule')}
          >
            <Input data-testid="user-username" disabled={editing} autoComplete="off" maxLength={40} />
          </Form.Item>
          <Form.Item
            name="displayName"
            label={t('users.displayName')}
            style={{ flex: '1 1 200px' }}
            rules={[{ required: true, whitespace: true, message: t('users.required') }]}
          >
            <Input data-testid="user-display-name" maxLength={50} />
          </Form.Item>
        </div>
        <Form.Item
          name="office"
          label={t('users.office')}
          rules={[
            { required: true, whitespace: true, message: t('users.required') },
            { validator: (_, v: string | undefined) => ((v ?? '').trim().length === 0 || (v ?? '').trim().length >= 2 ? Promise.resolve() : Promise.reject(new Error(t('users.officeRule')))) },
          ]}
        >
          <Input data-testid="user-office" maxLength={80} />
        </Form.Item>
        <div style={{ display: 'flex', gap: 12, flexWrap: 'wrap', alignItems: 'flex-start' }}>
          <Form.Item
            name="password"
            label={editing ? t('users.newPassword') : t('users.password')}
            style={{ flex: '1 1 260px' }}
            extra={editing ? t('users.passwordKeep') : t('users.passwordTooShort', { min: MIN_PASSWORD_LENGTH })}
            rules={[
              ...(editing ? [] : [{ required: true, message: t('users.required') }]),
              { min: MIN_PASSWORD_LENGTH, message: t('users.passwordTooShort', { min: MIN_PASSWORD_LENGTH }) },
            ]}
          >
            <Input.Password data-testid="user-password" autoComplete="new-password" maxLength={200} prefix={<LockOutlined />} />
          </Form.Item>
          {editing && (
            <Form.Item name="active" label={t('users.status')} valuePropName="checked">
              <Switch data-testid="user-active" checkedChildren={t('users.active')} unCheckedChildren={t('users.inactive')} />
            </Form.Item>
          )}
        </div>
        <Typography.Text strong>{t('users.roles')}</Typography.Text>
        <div style={{ marginTop: 8 }}>
          <Form.List
            name="roles"
            rules={[{
              validator: async (_, rows: RoleRow[] | undefined) => {
                if (!rows || rows.length === 0) throw new Error(t('users.rolesRequired'));
              },
            }]}
          >
            {(fields, { add, remove }, { errors }) => (
              <>
                {fields.map((f) => (
                  <RoleRowFields key={f.key} name={f.name} onRemove={() => remove(f.name)} canRemove={fields.length > 1} />
                ))}
                <Button type="dashed" block icon={<PlusOutlined />} onClick={() => add({})} data-testid="role-add">
                  {t('users.addRole')}
                </Button>
                <Form.ErrorList errors={errors} />
              </>
            )}
          </Form.List>
        </div>
      </Form>
    </Modal>
  );
}

function StatusCell({ u }: { u: StaffUser }): ReactNode {
  const { t } = useTranslation();
  return (
    <Space orientation="vertical" size={2}>
      {u.active ? <Tag color="green">{t('users.active')}</Tag> : <Tag>{t('users.inactive')}</Tag>}
      {u.lockedUntil && (
        <Tooltip title={formatDateTime(u.lockedUntil)}>
          <span>
            <Tag color="red" icon={<LockOutlined />} data-testid="user-locked">{t('users.locked')}</Tag>
            <Typography.Text type="danger" style={{ fontSize: 12 }}>
              {t('users.lockedUntil', { time: dayjs(u.lockedUntil).format('HH:mm') })}
            </Typography.Text>
          </span>
        </Tooltip>
      )}
      {u.failedLogins > 0 && (
        <Typography.Text type="warning" style={{ fontSize: 12 }}>{t('users.failedLogins', { count: u.failedLogins })}</Typography.Text>
      )}
    </Space>
  );
}

/** `/admin/users`: accounts, their role bindings, lockouts. */
export default function UsersPage(): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const users = useApi<{ items: StaffUser[] }>('/admin/users');
  const [filter, setFilter] = useState('');
  const [modal, setModal] = useState<{ user: StaffUser | undefined } | null>(null);
  const [unlocking, setUnlocking] = useState<number | null>(null);

  const rows = useMemo(() => {
    const all = users.data?.items ?? [];
    const f = filter.trim().toLowerCase();
    return f ? all.filter((u) => [u.username, u.displayName, u.office].some((s) => s.toLowerCase().includes(f))) : all;
  }, [users.data, filter]);

  const unlock = async (u: StaffUser): Promise<void> => {
    setUnlocking(u.id);
    try {
      await request<StaffUser>(`/admin/users/${u.id}/unlock`, { method: 'POST' });
      void message.success(t('users.unlocked', { username: u.username }));
      users.reload();
    } catch (e) {
      void message.error(e instanceof ApiError ? `${e.message} (${e.code})` : String(e));
    } finally {
      setUnlocking(null);
    }
  };

  const columns: TableColumnsType<StaffUser> = [
    { title: t('users.username'), dataIndex: 'username', width: 170, render: (v: string) => <Typography.Text code>{v}</Typography.Text> },
    { title: t('users.displayName'), dataIndex: 'displayName', width: 130 },
    { title: t('users.office'), dataIndex: 'office', width: 180 },
    { title: t('users.status'), key: 'status', width: 150, render: (_: unknown, u) => <StatusCell u={u} /> },
    {
      title: t('users.roles'), key: 'roles', width: 360,
      render: (_: unknown, u) => (
        <Space orientation="vertical" size={2}>
          {u.roles.map((r) => (
            <span key={`${r.role}|${r.regionCode}|${r.gridId ?? ''}`}>
              <Tag color="red">{enumLabel(t, 'role', r.role)}</Tag>
              <Tooltip title={r.regionCode}><span>{r.regionName}</span></Tooltip>
              {r.gridId && <Typography.Text type="secondary"> · {t('auth.grid', { grid: r.gridId })}</Typography.Text>}
            </span>
          ))}
        </Space>
      ),
    },
    { title: t('users.createdAt'), dataIndex: 'createdAt', width: 170, render: (v: string) => formatDateTime(v) },
    {
      title: t('users.actions'), key: 'actions', width: 170, fixed: 'end',
      render: (_: unknown, u) => (
        <Space size={4}>
          <Button size="small" icon={<EditOutlined />} onClick={() => setModal({ user: u })} data-testid="user-edit">{t('users.edit')}</Button>
          {u.lockedUntil && (
            <Button
              size="small"
              danger
              icon={<UnlockOutlined />}
              loading={unlocking === u.id}
              onClick={() => void unlock(u)}
              data-testid="user-unlock"
            >
              {t('users.unlock')}
            </Button>
          )}
        </Space>
      ),
    },
  ];

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Space style={{ width: '100%', justifyContent: 'space-between' }} wrap>
        <Typography.Title level={3} style={{ margin: 0 }}>{t('users.title')}</Typography.Title>
        <Space wrap>
          <Input
            allowClear
            prefix={<SearchOutlined />}
            placeholder={t('users.filter')}
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
            style={{ width: 260 }}
            data-testid="users-filter"
          />
          <Button type="primary" icon={<UserAddOutlined />} onClick={() => setModal({ user: undefined })} data-testid="user-create">
            {t('users.create')}
          </Button>
        </Space>
      </Space>
      {users.error && <ErrorAlert error={users.error} onRetry={users.reload} />}
      <Card variant="borderless" styles={{ body: { paddingTop: 8 } }}>
        <Table<StaffUser>
          data-testid="users-table"
          rowKey="id"
          size="middle"
          loading={users.loading}
          columns={columns}
          dataSource={rows}
          scroll={{ x: 1330 }}
          locale={{ emptyText: t('users.empty') }}
          onRow={(u) => {
            const attrs: HTMLAttributes<HTMLElement> & { 'data-testid': string; 'data-username': string } = {
              'data-testid': 'user-row', 'data-username': u.username,
            };
            return attrs;
          }}
          pagination={{ pageSize: 20, hideOnSinglePage: true, showSizeChanger: false, showTotal: (n) => t('common.total', { count: n }) }}
        />
      </Card>
      <UserFormModal
        key={modal?.user?.id ?? 'new'}
        user={modal?.user}
        open={modal !== null}
        onClose={() => setModal(null)}
        onSaved={(u, created) => {
          setModal(null);
          void message.success(created ? t('users.created', { username: u.username }) : t('users.saved'));
          users.reload();
        }}
      />
    </Space>
  );
}
