require("dotenv/config");
const express = require("express");

const app = express();
app.use(express.json());
const orders = new Map();

app.get("/healthz", (_req, res) => {
  res.json({ status: "ok" });
});

app.get("/orders", (_req, res) => {
  res.json([...orders.values()]);
});

app.post("/orders", (req, res) => {
  const sku = String(req.body?.sku ?? "").trim();
  const quantity = Number(req.body?.quantity ?? 1);
  if (!sku || !Number.isInteger(quantity) || quantity < 1) {
    res.status(400).json({ error: "sku and a positive quantity are required" });
    return;
  }
  const id = orders.size + 1;
  const order = { id, sku, quantity };
  orders.set(id, order);
  res.status(201).json(order);
});

const port = Number(process.env.PORT ?? 3000);
app.listen(port, () => console.log(`orders-api listening on ${port}`));
