-- +goose Up
ALTER TABLE demo_dog ADD COLUMN age INTEGER;

-- +goose Down
ALTER TABLE demo_dog DROP COLUMN age;
