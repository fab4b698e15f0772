import type { ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { useTranslation } from 'react-i18next';
import { Card, Col, Descriptions, Empty, Row, Skeleton, Space, Table, Tag, Typography } from 'antd';
import type { TableColumnsType } from 'antd';
import { HistoryOutlined, HomeOutlined, TeamOutlined } from '@ant-design/icons';
import type { HistoryEntry, HouseholdFile, HouseholdMember } from '@minsheng/contracts';
import { useApi } from '../api.ts';
import ErrorAlert from '../components/ErrorAlert.tsx';
import OutOfScope from '../components/OutOfScope.tsx';
import HistoryTimeline from '../components/HistoryTimeline.tsx';
import { AsOfBanner, AsOfPicker, useAsOf } from '../components/AsOf.tsx';
import { enumLabel } from '../labels.ts';
import { formatDateTime } from '../format.ts';

/** `/households/:id`: one household's file (一户一档), optionally as of a past date, with its history. */
export default function HouseholdPage(): ReactNode {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const { id } = useParams();
  const [asOf, setAsOf] = useAsOf();
  const file = useApi<HouseholdFile>(`/households/${id ?? ''}`, { asOf });
  const history = useApi<{ items: HistoryEntry[] }>(`/households/${id ?? ''}/history`);
  const h = file.data && String(file.data.id) === id && (file.data.asOf ?? null) === asOf ? file.data : undefined;
  const none = t('common.none');
  const head = h?.members.find((m) => m.personId === h.headPersonId) ?? h?.members.find((m) => m.relation === 'head');
  const personLink = (personId: number): string => `/persons/${personId}${asOf ? `?asOf=${asOf}` : ''}`;

  if (file.error?.status === 404) return <OutOfScope kind="household" />;

  const columns: TableColumnsType<HouseholdMember> = [
    {
      title: t('persons.name'), dataIndex: 'name', width: 140,
      render: (_: unknown, m) => <Link to={personLink(m.personId)} onClick={(e) => e.stopPropagation()} data-testid="member-link">{m.name}</Link>,
    },
    {
      title: t('person.relationToHead'), dataIndex: 'relation', width: 130,
      render: (_: unknown, m) => <Tag color={m.relation === 'head' ? 'red' : 'blue'}>{enumLabel(t, 'memberRelation', m.relation)}</Tag>,
    },
    { title: t('persons.citizenId'), dataIndex: 'citizenId', render: (v: string) => <span style={{ fontFamily: 'monospace' }}>{v}</span> },
    { title: t('persons.sex'), dataIndex: 'sex', width: 80, render: (_: unknown, m) => enumLabel(t, 'sex', m.sex) },
    { title: t('persons.age'), dataIndex: 'age', width: 80, align: 'right' },
  ];

  return (
    <Space orientation="vertical" size={16} style={{ width: '100%' }}>
      <Row justify="space-between" align="middle" gutter={[16, 8]}>
        <Col>
          <Space align="center" size={12} wrap>
            <Typography.Title level={3} style={{ margin: 0 }} data-testid="household-title">
              <HomeOutlined /> {h ? `${t('household.title')} ${h.householdNo}` : t('household.title')}
            </Typography.Title>
            {h && <Tag>{t('household.memberCount')}: {h.members.length}</Tag>}
          </Space>
        </Col>
        <Col><AsOfPicker asOf={asOf} onChange={setAsOf} /></Col>
      </Row>

      {asOf && <AsOfBanner asOf={asOf} version={h?.version} onBack={() => setAsOf(null)} />}
      {file.error && <ErrorAlert error={file.error} onRetry={file.reload} />}

      <Card variant="borderless" size="small">
        <Skeleton loading={!h && file.loading} active>
          {h ? (
            <Descriptions bordered size="small" column={{ xs: 1, md: 2, xl: 3 }} items={[
              { key: 'no', label: t('household.householdNo'), children: h.householdNo },
              { key: 'head', label: t('household.head'), children: head ? <Link to={personLink(head.personId)}>{head.name}</Link> : none },
              {
                key: 'residence', label: t('household.residence'),
                children: h.residenceCommunity ? <Link to={`/regions/${h.residenceCommunity}`}>{h.residenceName ?? h.residenceCommunity}</Link> : none,
              },
              { key: 'address', label: t('household.address'), children: h.address ?? none },
              { key: 'grid', label: t('household.grid'), children: h.gridId ?? none },
              { key: 'version', label: t('common.version'), children: `v${h.version} · ${formatDateTime(h.updatedAt)}` },
            ]} />
          ) : !file.loading && <Empty />}
        </Skeleton>
      </Card>

      {h && (
        <Card title={<><TeamOutlined /> {t('household.members')}</>} variant="borderless" size="small">
          <Table<HouseholdMember>
            data-testid="member-table"
            size="small"
            rowKey="personId"
            columns={columns}
            dataSource={h.members}
            pagination={false}
            onRow={(m) => ({ onClick: () => navigate(personLink(m.personId)), style: { cursor: 'pointer' } })}
          />
        </Card>
      )}

      <Card title={<><HistoryOutlined /> {t('household.history')}</>} variant="borderless" size="small">
        {history.error && <ErrorAlert error={history.error} onRetry={history.reload} />}
        <Skeleton loading={!history.data && history.loading} active>
          <HistoryTimeline items={history.data?.items ?? []} />
        </Skeleton>
      </Card>
    </Space>
  );
}
