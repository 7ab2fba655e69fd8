-- +goose Up
CREATE TABLE demo_dog (name VARCHAR(100) NOT NULL, breed VARCHAR(100));

-- +goose Down
DROP TABLE demo_dog;
