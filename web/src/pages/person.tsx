import { useState, type ReactNode } from 'react';
import { Link, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import {
  App, Button, Card, Col, Descriptions, Empty, Row, Skeleton, Space, Table, Tag, Tooltip, Typography,
} from 'antd';
import type { TableColumnsType } from 'antd';
import { AuditOutlined, EditOutlined, EyeOutlined, HistoryOutlined, HomeOutlined, UserOutlined } from '@ant-design/icons';
import type { FinanceItem, HistoryEntry, PersonFile, PersonRelation } from '@minsheng/contracts';
import { useApi } from '../api.ts';
import { useAuth } from '../auth.tsx';
import ErrorAlert from '../components/ErrorAlert.tsx';
import HistoryTimeline from '../components/HistoryTimeline.tsx';
import PersonEditModal from '../components/PersonEditModal.tsx';
import OutOfScope from '../components/OutOfScope.tsx';
import RevealModal, { isMasked, type RevealField, type Revealed } from '../components/RevealModal.tsx';
import AccessCodeButton from '../components/AccessCode.tsx';
import { enumLabel, financeCategoryLabel, relationLabel } from '../labels.ts';
import { formatAmount, formatDateTime } from '../format.ts';
import { AsOfBanner, AsOfPicker, useAsOf } from '../components/AsOf.tsx';

function FinanceTable({ items }: { items: FinanceItem[] }): ReactNode {
  const { t } = useTranslation();
  const columns: TableColumnsType<FinanceItem> = [
    {
      title: t('person.financeKind'), dataIndex: 'kind', width: 90,
      render: (_: unknown, f) => <Tag color={f.kind === 'income' ? 'green' : 'gold'}>{enumLabel(t, 'financeKind', f.kind)}</Tag>,
    },
    { title: t('person.financeCategory'), dataIndex: 'category', render: (c: string) => financeCategoryLabel(t, c) },
    { title: t('person.amount'), dataIndex: 'amount', align: 'right', render: (n: number) => formatAmount(n) },
    {
      title: t('person.period'), key: 'period',
      render: (_: unknown, f) => `${f.periodFrom} ~ ${f.periodTo ?? t('person.periodOpen')}`,
    },
    { title: t('person.note'), dataIndex: 'note', render: (v: string | null | undefined) => v ?? '' },
  ];
  return (
    <Table<FinanceItem>
      data-testid="finance-table"
      size="small"
      rowKey={(f) => `${f.kind}|${f.category}|${f.periodFrom}|${f.amount}`}
      columns={columns}
      dataSource={items}
      pagination={false}
      locale={{ emptyText: t('person.noFinance') }}
    />
  );
}

function RelationsTable({ items }: { items: PersonRelation[] }): ReactNode {
  const { t } = useTranslation();
  const columns: TableColumnsType<PersonRelation> = [
    { title: t('person.relationKind'), key: 'kind', width: 130, render: (_: unknown, r) => <Tag color="blue">{relationLabel(t, r)}</Tag> },
    { title: t('person.duty'), dataIndex: 'duty', width: 100, render: (_: unknown, r) => (r.duty ? enumLabel(t, 'duty', r.duty) : t('common.none')) },
    {
      title: t('person.other'), key: 'other',
      render: (_: unknown, r) => <Link to={`/persons/${r.other.id}`} data-testid="relation-link"><UserOutlined /> {r.other.name}</Link>,
    },
    {
      title: t('person.otherResidence'), key: 'residence',
      render: (_: unknown, r) => r.other.residenceName ?? r.other.residenceCommunity ?? t('common.none'),
    },
    {
      title: t('person.otherHousehold'), key: 'household', width: 110,
      render: (_: unknown, r) => r.other.householdId === null ? t('common.none') : (
        <Link to={`/households/${r.other.householdId}`}>#{r.other.householdId}</Link>
      ),
    },
  ];
  return (
    <Table<PersonRelation>
      data-testid="relations-table"
      size="small"
      rowKey="id"
      columns={columns}
      dataSource={items}
      pagination={false}
      locale={{ emptyText: t('person.noRelations') }}
    />
  );
}

/** A citizen ID or phone: masked as the API sent it, or the revealed full value with an audit note. */
function SensitiveValue({ shown, revealed, testId }: { shown: string | null; revealed: string | null | undefined; testId: string }): ReactNode {
  const { t } = useTranslation();
  if (revealed !== undefined && revealed !== null) {
    return (
      <Space size={6} wrap>
        <Typography.Text copyable strong style={{ fontFamily: 'monospace' }} data-testid={`revealed-${testId}`}>{revealed}</Typography.Text>
        <Tooltip title={t('person.revealedTip')}>
          <Tag color="orange" icon={<AuditOutlined />} style={{ marginInlineEnd: 0 }}>{t('person.revealed')}</Tag>
        </Tooltip>
      </Space>
    );
  }
  if (shown === null) return t('common.none');
  if (isMasked(shown)) {
    return (
      <Tooltip title={t('person.maskedTip')}>
        <Typography.Text style={{ fontFamily: 'monospace' }} data-testid={`masked-${testId}`}>{shown}</Typography.Text>
      </Tooltip>
    );
  }
  return <Typography.Text copyable style={{ fontFamily: 'monospace' }} data-testid={`plain-${testId}`}>{shown}</Typography.Text>;
}

function PersonDetails({ p, revealed }: { p: PersonFile; revealed: Revealed }): ReactNode {
  const { t } = useTranslation();
  const none = t('common.none');
  return (
    <Descriptions
      data-testid="person-details"
      bordered
      size="small"
      column={{ xs: 1, sm: 1, md: 2, xl: 3 }}
      items={[
        { key: 'name', label: t('persons.name'), children: p.name },
        { key: 'citizenId', label: t('persons.citizenId'), children: <SensitiveValue shown={p.citizenId} revealed={revealed.citizenId} testId="citizen-id" /> },
        { key: 'sex', label: t('persons.sex'), children: enumLabel(t, 'sex', p.sex) },
        { key: 'birthDate', label: t('persons.birthDate'), children: p.birthDate },
        { key: 'age', label: t('persons.age'), children: t('common.years', { count: p.age }) },
        { key: 'phone', label: t('persons.phone'), children: <SensitiveValue shown={p.phone} revealed={revealed.phone} testId="phone" /> },
        {
          key: 'hukou', label: t('person.hukou'),
          children: p.hukouRegion ? <Link to={`/regions/${p.hukouRegion}`}>{p.hukouName ?? p.hukouRegion}</Link> : none,
        },
        {
          key: 'residence', label: t('person.residence'),
          children: p.residenceCommunity ? <Link to={`/regions/${p.residenceCommunity}`}>{p.residenceName ?? p.residenceCommunity}</Link> : none,
        },
        { key: 'grid', label: t('person.grid'), children: p.gridId ?? none },
        { key: 'disability', label: t('person.disability'), children: enumLabel(t, 'disability', p.disabilityCategory) },
        {
          key: 'grade', label: t('person.disabilityGrade'),
          children: p.disabilityGrade === null ? none : t('person.gradeN', { grade: p.disabilityGrade }),
        },
        { key: 'ability', label: t('person.ability'), children: enumLabel(t, 'ability', p.abilityLevel) },
        {
          key: 'living', label: t('person.living'),
          children: p.livingArrangement === 'alone'
            ? <Tag color="orange">{enumLabel(t, 'living', p.livingArrangement)}</Tag>
            : enumLabel(t, 'living', p.livingArrangement),
        },
        {
          key: 'deceased', label: t('person.deceased'),
          children: p.deceasedOn ? <Tag color="default">{p.deceasedOn}</Tag> : t('person.alive'),
        },
        { key: 'version', label: t('common.version'), children: `v${p.version} · ${formatDateTime(p.updatedAt)}` },
      ]}
    />
  );
}

/** `/persons/:id`: one person's file (一人一档), optionally as of a past date, with its history. */
export default function PersonPage(): ReactNode {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const { can } = useAuth();
  const { id } = useParams();
  const [asOf, setAsOf] = useAsOf();
  const [editing, setEditing] = useState(false);
  const [revealing, setRevealing] = useState(false);
  // Full numbers from a reveal: for this person and this visit of the page only.
  const [revealedFor, setRevealedFor] = useState<{ id: string; values: Revealed }>();
  const file = useApi<PersonFile>(`/persons/${id ?? ''}`, { asOf });
  const history = useApi<{ items: HistoryEntry[] }>(`/persons/${id ?? ''}/history`);
  // Only show an answer that matches the id and the as-of date asked for (never a stale one).
  const p = file.data && String(file.data.id) === id && (file.data.asOf ?? null) === asOf ? file.data : undefined;
  // A reveal answers with today's numbers: not shown over a historical view.
  const revealed: Revealed = revealedFor && revealedFor.id === id && asOf === null ? revealedFor.values : {};

  if (file.error?.status === 404) return <OutOfScope kind="person" />;

  const maskedFields: RevealField[] = p ? [
    ...(isMasked(p.citizenId) && !revealed.citizenId ? ['citizenId' as const] : []),
    ...(isMasked(p.phone) && !revealed.phone ? ['phone' as const] : []),
  ] : [];

  const onSaved = (): void => {
    setEditing(false);
    void message.success(t('person.saved'));
    file.reload();
    history.reload();
  };

  const onRevealed = (values: Revealed): void => {
    setRevealing(false);
    if (id) setRevealedFor((prev) => ({ id, values: { ...(prev?.id === id ? prev.values : {}), ...values } }));
    void message.success(t('person.revealedDone'));
  };

  const revealDisabledReason = asOf ? t('person.revealDisabledAsOf') : maskedFields.length === 0 && p ? t('person.revealNothing') : undefined;

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Row justify="space-between" align="middle" gutter={[16, 8]}>
        <Col>
          <Space align="center" size={12} wrap>
            <Typography.Title level={3} style={{ margin: 0 }} data-testid="person-name">
              {p?.name ?? (file.loading ? t('app.loading') : t('person.title'))}
            </Typography.Title>
            {p && <Tag>{enumLabel(t, 'sex', p.sex)} · {t('common.years', { count: p.age })}</Tag>}
            {p?.livingArrangement === 'alone' && <Tag color="orange">{enumLabel(t, 'living', 'alone')}</Tag>}
            {p?.deceasedOn && <Tag color="default">{t('person.deceased')} {p.deceasedOn}</Tag>}
          </Space>
        </Col>
        <Col>
          <Space wrap>
            <AsOfPicker asOf={asOf} onChange={setAsOf} />
            {can('registry.reveal') && (
              <Tooltip title={revealDisabledReason}>
                <Button
                  icon={<EyeOutlined />}
                  disabled={!p || revealDisabledReason !== undefined}
                  onClick={() => setRevealing(true)}
                  data-testid="reveal-button"
                >
                  {t('person.reveal')}
                </Button>
              </Tooltip>
            )}
            {can('access-codes.issue') && p && (
              <AccessCodeButton
                personId={p.id}
                personName={p.name}
                disabledReason={asOf ? t('person.accessCodeDisabledAsOf') : undefined}
              />
            )}
            {can('registry.write') && (
              <Tooltip title={asOf ? t('person.editDisabledAsOf') : undefined}>
                <Button
                  type="primary"
                  icon={<EditOutlined />}
                  disabled={!p || asOf !== null}
                  onClick={() => setEditing(true)}
                  data-testid="edit-button"
                >
                  {t('person.edit')}
                </Button>
              </Tooltip>
            )}
          </Space>
        </Col>
      </Row>

      {asOf && <AsOfBanner asOf={asOf} version={p?.version} onBack={() => setAsOf(null)} />}
      {file.error && <ErrorAlert error={file.error} onRetry={file.reload} />}

      <Card title={t('person.basic')} variant="borderless" size="small">
        <Skeleton loading={!p && file.loading} active>
          {p ? <PersonDetails p={p} revealed={revealed} /> : !file.loading && <Empty />}
        </Skeleton>
      </Card>
      {p && (
        <Row gutter={[16, 16]}>
          <Col xs={24} xl={12}>
            <Card title={t('person.finance')} variant="borderless" size="small" style={{ height: '100%' }}>
              <FinanceTable items={p.finance} />
            </Card>
          </Col>
          <Col xs={24} xl={12}>
            <Card
              title={<><HomeOutlined /> {t('person.household')}</>}
              variant="borderless"
              size="small"
              style={{ height: '100%' }}
            >
              {p.household ? (
                <Descriptions size="small" column={1} items={[
                  {
                    key: 'link', label: t('person.household'),
                    children: (
                      <Link to={`/households/${p.household.id}${asOf ? `?asOf=${asOf}` : ''}`} data-testid="household-link">
                        {t('person.householdLink', { id: p.household.id })}
                      </Link>
                    ),
                  },
                  { key: 'relation', label: t('person.relationToHead'), children: enumLabel(t, 'memberRelation', p.household.relation) },
                  { key: 'head', label: t('person.head'), children: p.household.headName ?? t('common.none') },
                ]} />
              ) : (
                <Typography.Text type="secondary">{t('person.noHousehold')}</Typography.Text>
              )}
            </Card>
          </Col>
          <Col span={24}>
            <Card title={t('person.relations')} variant="borderless" size="small">
              <RelationsTable items={p.relations} />
            </Card>
          </Col>
        </Row>
      )}

      <Card title={<><HistoryOutlined /> {t('person.history')}</>} variant="borderless" size="small">
        {history.error && <ErrorAlert error={history.error} onRetry={history.reload} />}
        <Skeleton loading={!history.data && history.loading} active>
          <HistoryTimeline items={history.data?.items ?? []} />
        </Skeleton>
      </Card>

      {p && (
        <PersonEditModal
          person={p}
          revealedPhone={revealed.phone ?? undefined}
          open={editing}
          onClose={() => setEditing(false)}
          onSaved={onSaved}
        />
      )}
      {p && (
        <RevealModal
          personId={p.id}
          personName={p.name}
          available={maskedFields}
          open={revealing}
          onClose={() => setRevealing(false)}
          onRevealed={onRevealed}
        />
      )}
    </Space>
  );
}
