/** Help-centre articles. Agents cite them; /help/:slug shows them. */
export const knowledgeSeed = [
  {
    slug: "protection-plan-coverage",
    title: "What the Device Protection plan covers",
    tags: "protection plan insurance coverage water damage liquid spill theft stolen accidental drop cracked screen",
    body: "The Device Protection plan covers accidental damage, including drops and cracked screens, and liquid damage such as water spills, for the covered device. Theft is covered when you file a police report within 14 days. Each claim has a 49 EUR service fee, and you can make up to two claims in 12 months. Cosmetic damage that does not affect function, loss without theft, and deliberate damage are not covered. Start a claim from the customer portal or ask support.",
  },
  {
    slug: "warranty",
    title: "Standard warranty",
    tags: "warranty defect hardware fault repair manufacturer",
    body: "Every Northwind device comes with a two-year limited warranty against manufacturing defects. It covers hardware faults that occur in normal use, such as a failing battery below 80% capacity, a dead keyboard, or a faulty display. It does not cover accidental damage, liquid damage or theft; the Device Protection plan covers those. Repairs under warranty are free, including shipping.",
  },
  {
    slug: "returns",
    title: "Returns and refunds for devices",
    tags: "return refund exchange send back money back 30 days",
    body: "You can return a device within 30 days of delivery for a full refund if it is in its original condition. Start a return from the customer portal; we email a prepaid label. Refunds reach your original payment method within 5 to 10 business days after we receive the device. Opened software and gift cards cannot be returned.",
  },
  {
    slug: "billing-faq",
    title: "Billing questions",
    tags: "billing invoice charge payment double charged refund card receipt due date",
    body: "Invoices are issued monthly on the day your plan started, and charged to the card on file. If you see two charges for one invoice, one is usually a temporary authorisation that disappears within 3 business days; if both settle, contact billing and we refund the duplicate after verifying it. Invoices and receipts are in the customer portal under Billing. You can change the card on file at any time.",
  },
  {
    slug: "plan-comparison",
    title: "Comparing Basic, Pro and Business plans",
    tags: "plan plans pricing price compare comparison difference basic pro business upgrade seats",
    body: "Basic (9 EUR a month) includes email support and software updates for one device. Pro (29 EUR a month) adds 24/7 chat support, next-business-day repair pickup and 1 TB of cloud backup for up to three devices. Business (89 EUR a month for five seats) adds a dedicated account manager, on-site repair within four hours, device management and priority escalation. Device Protection can be added to any plan for 9 EUR per device per month. You can upgrade at any time; the difference is prorated.",
  },
  {
    slug: "laptop-wont-boot",
    title: "Laptop will not start or boot",
    tags: "boot start power turn on black screen won't start troubleshooting",
    body: "If your laptop will not start: 1. Connect the original charger and check that the charging light comes on. 2. Hold the power button for 15 seconds to reset, then press it once. 3. Disconnect all accessories, USB drives and docks. 4. If the screen stays black but you hear the fan, connect an external monitor. 5. If it starts to the logo and stops, hold F8 while starting to open recovery. If none of these help, contact support so we can arrange a repair.",
  },
  {
    slug: "wifi-troubleshooting",
    title: "Wi-Fi keeps dropping",
    tags: "wifi wi-fi wireless internet network connection drops slow",
    body: "Restart your router and the device, forget the network and join it again, and install the latest system updates. If other devices connect fine, reset the network settings on the affected device. If the problem continues, contact support with the router model.",
  },
];
