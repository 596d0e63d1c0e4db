// Fleetplane's own small component kit: import from "@/components/ui".
export { Alert, ErrorMessage } from "./alert";
export { Badge } from "./badge";
export { Button, ButtonLink, buttonClasses } from "./button";
export { Card, CardBody, CardHeader } from "./card";
export { cn } from "./cn";
export { CopyField } from "./copy-field";
export { ConfirmDialog, Dialog } from "./dialog";
export { EmptyState } from "./empty-state";
export { Checkbox, Field, Label } from "./field";
export { Input, Select, Textarea } from "./input";
export { LoadMore } from "./load-more";
export { PageHeader } from "./page-header";
export { LoadingBlock, Spinner } from "./spinner";
export { Table, TBody, TD, TH, THead, TR } from "./table";
export { Time } from "./time";
export { UtilisationBar, UtilisationLegend, type UtilisationSegment, type UtilisationTone } from "./utilisation-bar";
export { FilterSelect, type FilterOption } from "./filter-select";
export { MultiSelect, type MultiSelectOption } from "./multi-select";
