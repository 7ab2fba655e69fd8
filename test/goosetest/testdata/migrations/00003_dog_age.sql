-- +goose Up
ALTER TABLE dog ADD COLUMN age INTEGER;

-- +goose Down
ALTER TABLE dog DROP COLUMN age;
