import "dotenv/config";
import express, { Request, Response } from "express";

interface Order {
  id: number;
  sku: string;
  quantity: number;
}

const app = express();
app.use(express.json());
const orders = new Map<number, Order>();

app.get("/healthz", (_req: Request, res: Response) => {
  res.json({ status: "ok" });
});

app.get("/orders", (_req: Request, res: Response) => {
  res.json([...orders.values()]);
});

app.post("/orders", (req: Request, res: Response) => {
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
