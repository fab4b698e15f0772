-- Administrative divisions (行政区划) and grids (网格).
CREATE TABLE region (
  code        text PRIMARY KEY CHECK (code ~ '^[0-9]{12}$'),
  name        text NOT NULL,
  level       text NOT NULL CHECK (level IN ('city', 'district', 'street', 'community')),
  parent_code text REFERENCES region (code),
  -- Significant leading digits: every region below this one has a code starting with it.
  prefix      text NOT NULL UNIQUE
);
COMMENT ON TABLE region IS 'Administrative divisions 行政区划: city 市, district 区, street/town 街道/乡镇, community/village 社区/村, with 12-digit codes (GB/T 2260 + township and village codes). A region subtree is every code starting with its prefix.';
COMMENT ON COLUMN region.prefix IS 'Leading digits shared by the region and all regions below it (city 2, district 6, street 9, community 12).';
CREATE INDEX region_parent_idx ON region (parent_code);

CREATE TABLE grid (
  id             text PRIMARY KEY,
  community_code text NOT NULL REFERENCES region (code),
  kind           text NOT NULL CHECK (kind IN ('general', 'micro', 'dedicated')),
  name           text NOT NULL,
  parent_grid_id text REFERENCES grid (id)
);
COMMENT ON TABLE grid IS 'Grids 网格 below a community: general 全科网格, micro 微网格 (inside a general grid), dedicated 专属网格 (a school, hospital or market).';
CREATE INDEX grid_community_idx ON grid (community_code);

CREATE TABLE grid_worker (
  id      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  grid_id text NOT NULL REFERENCES grid (id),
  name    text NOT NULL,
  phone   text
);
COMMENT ON TABLE grid_worker IS 'Grid workers 网格员 responsible for a grid: home visits, verification tasks, alarm response on working days.';
CREATE INDEX grid_worker_grid_idx ON grid_worker (grid_id);
