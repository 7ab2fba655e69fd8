-- +goose Up
CREATE TABLE lawn (id INTEGER PRIMARY KEY, location VARCHAR(100) NOT NULL);

-- +goose Down
DROP TABLE lawn;
