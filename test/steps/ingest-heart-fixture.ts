import { fileURLToPath } from "node:url";

/** The UCI Cleveland heart-disease file: headerless, 14 columns, "?" for missing; 303 rows, 6 with a "?". */
export const HEART_PATH = fileURLToPath(new URL("../../data/heart-cleveland/processed.cleveland.data", import.meta.url));
export const HEART_COLUMNS = [
  { name: "age", type: "float" },
  { name: "sex", type: "int" },
  { name: "cp", type: "int" },
  { name: "trestbps", type: "float" },
  { name: "chol", type: "float" },
  { name: "fbs", type: "int" },
  { name: "restecg", type: "int" },
  { name: "thalach", type: "float" },
  { name: "exang", type: "int" },
  { name: "oldpeak", type: "float" },
  { name: "slope", type: "int" },
  { name: "ca", type: "int" },
  { name: "thal", type: "int" },
  { name: "num", type: "int" },
] as const;
