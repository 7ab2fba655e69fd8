-- +goose Up
CREATE TABLE demo_lawn (location VARCHAR(100) NOT NULL);

-- +goose Down
DROP TABLE demo_lawn;
