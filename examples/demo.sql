-- A small shop database for trying the sqlite toolkit:
--   sqlite3 demo.db < examples/demo.sql
--   glm-mcp serve --sqlite demo.db      (or: glm-mcp ask --sqlite demo.db "which customer spent most?")
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, email TEXT UNIQUE, joined DATE);
CREATE TABLE products (id INTEGER PRIMARY KEY, name TEXT NOT NULL, price REAL NOT NULL, stock INTEGER DEFAULT 0);
CREATE TABLE orders (
  id INTEGER PRIMARY KEY,
  customer_id INTEGER NOT NULL REFERENCES customers(id),
  product_id INTEGER NOT NULL REFERENCES products(id),
  quantity INTEGER NOT NULL DEFAULT 1,
  ordered_at TEXT NOT NULL
);
CREATE INDEX orders_customer ON orders(customer_id);
CREATE VIEW revenue AS
  SELECT c.name AS customer, round(sum(p.price * o.quantity), 2) AS spent
  FROM orders o JOIN customers c ON c.id = o.customer_id JOIN products p ON p.id = o.product_id
  GROUP BY c.id ORDER BY spent DESC;
INSERT INTO customers (name, email, joined) VALUES
  ('Ada', 'ada@example.com', '2024-01-05'), ('Grace', 'grace@example.com', '2024-03-17'), ('Linus', 'linus@example.com', '2025-07-01');
INSERT INTO products (name, price, stock) VALUES ('Keyboard', 49.9, 12), ('Mouse', 19.5, 40), ('Monitor', 189.0, 3);
INSERT INTO orders (customer_id, product_id, quantity, ordered_at) VALUES
  (1, 1, 1, '2025-01-10'), (1, 2, 2, '2025-01-10'), (2, 3, 1, '2025-02-02'), (3, 2, 1, '2025-03-15');
