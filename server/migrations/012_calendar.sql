-- The official working-day calendar (工作日历). chinese-days supplies the State Council's holiday
-- notices for the years it knows; administrators load a year's notice here as overrides, and a
-- day without either falls back to the statutory fixed holidays with a visible warning.
CREATE TABLE calendar_override (
  day         date PRIMARY KEY,
  workday     boolean NOT NULL,
  name        text NOT NULL DEFAULT '',
  source      text NOT NULL,
  created_by  text NOT NULL,
  created_at  timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE calendar_override IS 'Days whose working status an administrator set from an official notice (国务院办公厅放假通知): holidays (workday=false) and adjusted working days 调休 (workday=true). Takes precedence over the chinese-days package.';
COMMENT ON COLUMN calendar_override.source IS 'The notice the day comes from, e.g. 国办发明电〔2026〕7号.';
