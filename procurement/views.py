"""Procurement screens: thin views that parse, call selectors and services, render."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from bangkit.confirm import Confirmation, ask_to_confirm, is_confirmed
from bangkit.downloads import CSV, XLSX, content_response, file_response
from bangkit.errors import ActionRefused
from bangkit.models import Role
from bangkit.money import rupiah
from bangkit.params import query_choice, query_page, query_year
from bangkit.refusals import object_action, perform, say_refused
from bangkit.years import year_numbers
from procurement import exports, selectors, services
from procurement import rules as procurement_rules
from procurement.forms import (
    CancelForm,
    DeliveryForm,
    HandoverForm,
    NewOrderForm,
    OrderForm,
    OrderLineFormSet,
    PaymentForm,
)
from procurement.models import Delivery, Handover, PurchaseOrder, ReferencePrice
from procurement.pdf import order_pdf
from proposals.models import Proposal, State

PAGE_SIZE = 30


def _proposal_or_404(user, pk) -> Proposal:
    return Proposal.objects.select_related(
        "rt", "kelurahan__kecamatan", "fiscal_year", "work_type"
    ).get_visible_or_404(user, pk=pk, state__in=selectors.PROCUREMENT_STATES)


def _order_or_404(user, pk) -> PurchaseOrder:
    return (
        PurchaseOrder.objects.visible_to(user)
        .select_related(
            "supplier__kelurahan__kecamatan",
            "proposal__rt",
            "proposal__kelurahan__kecamatan",
            "proposal__fiscal_year",
            "issued_by",
            "created_by",
        )
        .get_visible_or_404(user, pk=pk)
    )


def _buyer_order_or_404(user, pk) -> PurchaseOrder:
    """The order, for the kelurahan that buys for its proposal (records deliveries, payments)."""
    order = _order_or_404(user, pk)
    if not procurement_rules.is_buyer_for(user, order.proposal):
        raise Http404
    return order


# --- Lists ------------------------------------------------------------------------------------


@login_required
@require_GET
def index(request):
    """Kelurahan and offices: the proposals to buy for; a shop: its own orders."""
    user = request.user
    if user.role == Role.TOKO:
        return supplier_home(request)
    if user.role == Role.RT:
        return render(
            request,
            "procurement/rt_home.html",
            {"handovers": list(selectors.handovers_for_rt(user))},
        )
    year = query_year(request)
    page = Paginator(selectors.proposals_for_procurement(user, year=year), PAGE_SIZE).get_page(
        query_page(request)
    )
    return render(
        request,
        "procurement/index.html",
        {
            "page": page,
            "year": year,
            "years": year_numbers(),
            "is_kelurahan": user.role == Role.KELURAHAN,
        },
    )


@login_required
@require_GET
def order_list(request):
    user = request.user
    if user.role == Role.RT:
        raise Http404
    state = query_choice(request, "status", PurchaseOrder.State.values)
    page = Paginator(
        selectors.orders_for(user, year=query_year(request), state=state), PAGE_SIZE
    ).get_page(query_page(request))
    return render(
        request,
        "procurement/order_list.html",
        {"page": page, "states": PurchaseOrder.State.choices, "state": state or ""},
    )


def supplier_home(request):
    supplier = selectors.supplier_of(request.user)
    if supplier is None:
        raise Http404
    page = Paginator(selectors.supplier_orders(supplier), PAGE_SIZE).get_page(query_page(request))
    return render(request, "procurement/supplier_home.html", {"supplier": supplier, "page": page})


@login_required
@require_GET
def reference_prices(request):
    years = list(year_numbers())
    year = query_year(request) or (years[0] if years else None)
    prices = ReferencePrice.objects.filter(fiscal_year__year=year).select_related("material")
    return render(
        request,
        "procurement/reference_prices.html",
        {"prices": prices, "year": year, "years": years},
    )


# --- A proposal's procurement ------------------------------------------------------------------


@login_required
@require_GET
def proposal_detail(request, pk):
    proposal = _proposal_or_404(request.user, pk)
    summary = selectors.proposal_procurement(proposal)
    context = {
        "proposal": proposal,
        "summary": summary,
        "can_order": procurement_rules.may_order_for(request.user, proposal),
        "rab_lines": list(proposal.rab_lines.all()),
    }
    if context["can_order"] and summary.handover is None:
        context["new_order_form"] = NewOrderForm(
            suppliers=selectors.suppliers_for(proposal.kelurahan)
        )
    return render(request, "procurement/proposal.html", context)


@login_required
@require_POST
def order_create(request, pk):
    proposal = _proposal_or_404(request.user, pk)
    form = NewOrderForm(request.POST, suppliers=selectors.suppliers_for(proposal.kelurahan))
    if not form.is_valid():
        messages.error(request, "Pilih toko bangunan.")
        return redirect("procurement:proposal", pk=proposal.pk)
    try:
        order = services.order_create_from_rab(
            proposal=proposal, actor=request.user, supplier=form.cleaned_data["supplier"]
        )
    except ActionRefused as exc:
        say_refused(request, exc)
        return redirect("procurement:proposal", pk=proposal.pk)
    messages.success(request, "Draf pesanan dibuat dari RAB. Periksa jumlah dan harga.")
    return redirect("procurement:order_edit", pk=order.pk)


# --- An order ----------------------------------------------------------------------------------


@login_required
@require_GET
def order_detail(request, pk):
    order = _order_or_404(request.user, pk)
    lines = selectors.order_lines_with_progress(order)
    progress = selectors.order_progress(order, lines)
    user = request.user
    deliveries = list(selectors.deliveries_of(order))
    payments = list(selectors.payments_of(order))
    for delivery in deliveries:
        delivery.can_confirm = procurement_rules.may_confirm_delivery(user, delivery)
    return render(
        request,
        "procurement/order_detail.html",
        {
            "order": order,
            "lines": lines,
            "progress": progress,
            "deliveries": deliveries,
            "payments": payments,
            "is_supplier": procurement_rules.is_shop_of(order, user),
            "can_edit": procurement_rules.may_edit_order(user, order),
            "can_record_delivery": procurement_rules.may_record_delivery(user, order)
            and not progress.complete,
            "can_record_payment": procurement_rules.may_record_payment(user, order)
            and progress.paid < progress.delivered_value,
            "can_confirm": procurement_rules.may_confirm_order(user, order),
            "can_cancel": procurement_rules.may_cancel_order(user, order)
            and not deliveries
            and not payments,
            "problems": services.issue_problems(order) if order.is_editable else [],
            "cancel_form": CancelForm(),
            "margin": selectors.price_margin_percent(order.proposal.fiscal_year),
        },
    )


def _line_inputs(formset) -> list[services.OrderLineInput]:
    inputs = []
    for row, form in enumerate(formset.forms, start=1):
        data = form.cleaned_data
        if not data or data.get("DELETE") or not form.has_changed() and not data.get("quantity"):
            continue
        material = data.get("material")
        inputs.append(
            services.OrderLineInput(
                material=material,
                description=(data.get("description") or "").strip()
                or (material.name if material else ""),
                unit=data.get("unit") or (material.unit if material else ""),
                quantity=data["quantity"],
                unit_price=data["unit_price"],
                justification=data.get("justification") or "",
                rab_line_id=data.get("rab_line_id"),
                row=row,
            )
        )
    return inputs


def _sentence(message: str) -> str:
    """'Jumlah terlalu besar.' → 'jumlah terlalu besar', to follow 'Baris 3: '."""
    message = message.rstrip(".")
    if len(message) > 1 and message[0].isupper() and message[1].islower():
        message = message[0].lower() + message[1:]
    return message


def _formset_refused(request, formset) -> None:
    """Say, above the form, which rows are wrong: on a long order the marks are out of sight."""
    problems = list(formset.non_form_errors()) + [
        f"Baris {row}: {_sentence(message)}"
        for row, form in enumerate(formset.forms, start=1)
        for errors in form.errors.values()
        for message in errors
    ]
    if problems:
        messages.error(request, "Pesanan tidak disimpan: periksa baris berikut.")
        for problem in problems:
            messages.error(request, f"• {problem}")


@login_required
@require_http_methods(["GET", "POST"])
def order_edit(request, pk):
    order = _order_or_404(request.user, pk)
    if not procurement_rules.may_edit_order(request.user, order):
        messages.error(request, "Pesanan ini tidak dapat diubah.")
        return redirect("procurement:order", pk=order.pk)
    suppliers = selectors.suppliers_for(order.proposal.kelurahan)
    if request.method == "POST":
        form = OrderForm(request.POST, suppliers=suppliers)
        rab_line_ids = set(order.proposal.rab_lines.values_list("pk", flat=True))
        formset = OrderLineFormSet(
            request.POST, prefix="baris", form_kwargs={"rab_line_ids": rab_line_ids}
        )
        if not formset.is_valid():
            _formset_refused(request, formset)
        elif form.is_valid() and perform(
            request,
            services.order_update,
            order=order,
            supplier=form.cleaned_data["supplier"],
            lines=_line_inputs(formset),
            supplier_reason=form.cleaned_data["supplier_reason"],
            note=form.cleaned_data["note"],
            delivery_address=form.cleaned_data["delivery_address"],
            success="Draf pesanan disimpan.",
        ):
            return redirect("procurement:order", pk=order.pk)
    else:
        form = OrderForm(
            suppliers=suppliers,
            initial={
                "supplier": order.supplier_id,
                "supplier_reason": order.supplier_reason,
                "note": order.note,
                "delivery_address": order.delivery_address,
            },
        )
        formset = OrderLineFormSet(
            prefix="baris",
            initial=[
                {
                    "material": line.material_id,
                    "description": line.description,
                    "unit": line.unit,
                    "quantity": f"{line.quantity.normalize():f}",
                    "unit_price": line.unit_price,
                    "justification": line.justification,
                    "rab_line_id": line.rab_line_id,
                }
                for line in order.lines.all()
            ],
        )
    fiscal_year = order.proposal.fiscal_year
    refs = {
        str(material_id): price
        for material_id, price in ReferencePrice.objects.filter(
            fiscal_year=fiscal_year
        ).values_list("material_id", "price")
    }
    return render(
        request,
        "procurement/order_edit.html",
        {
            "order": order,
            "form": form,
            "formset": formset,
            "reference_prices_json": json.dumps(refs),
            "margin": selectors.price_margin_percent(fiscal_year),
            "kecamatan": order.proposal.kelurahan.kecamatan,
        },
    )


@login_required
@require_POST
def order_issue(request, pk):
    order = _order_or_404(request.user, pk)
    if (
        not is_confirmed(request)
        and procurement_rules.may_edit_order(request.user, order)
        and not services.issue_problems(order)
    ):
        return _confirm_issue(request, order)
    perform(
        request,
        services.order_issue,
        order=order,
        success=lambda order: f"Surat pesanan {order.number} diterbitkan.",
    )
    return redirect("procurement:order", pk=order.pk)


def _confirm_issue(request, order: PurchaseOrder):
    """What issuing the order does, with its lines and money, before the lurah says yes."""
    proposal = order.proposal
    consequences = [
        f"Surat pesanan mendapat nomor berikutnya dari penomoran Kelurahan "
        f"{proposal.kelurahan.name} tahun {proposal.fiscal_year.year}.",
        f"{rupiah(order.total)} diikat dari anggaran usulan ini; isi pesanan tidak dapat "
        "diubah lagi, hanya dibatalkan selama belum ada penerimaan maupun pembayaran.",
        f"Toko {order.supplier.name} dapat melihat dan mengonfirmasi pesanan ini.",
    ]
    if proposal.state == State.DESIGNATED:
        consequences.append("Usulan berpindah ke tahap “Pengadaan material”.")
    return ask_to_confirm(
        request,
        "procurement/confirm_issue.html",
        Confirmation(
            title=f"Terbitkan surat pesanan ke {order.supplier.name}?",
            action=reverse("procurement:order_issue", args=[order.pk]),
            back=reverse("procurement:order", args=[order.pk]),
            button="Ya, terbitkan surat pesanan",
            consequences=consequences,
        ),
        order=order,
        lines=list(order.lines.order_by("position", "id")),
    )


@login_required
@require_POST
def order_cancel(request, pk):
    order = _order_or_404(request.user, pk)
    form = CancelForm(request.POST)
    reason = request.POST.get("reason", "") if not form.is_valid() else form.cleaned_data["reason"]
    perform(
        request,
        services.order_cancel,
        order=order,
        reason=reason,
        success="Pesanan dibatalkan.",
    )
    return redirect("procurement:order", pk=order.pk)


order_confirm = object_action(
    services.order_confirm_by_supplier,
    find=_order_or_404,
    param="order",
    success="Pesanan dikonfirmasi.",
    then=lambda order: reverse("procurement:order", args=[order.pk]),
)


@login_required
@require_GET
def order_pdf_view(request, pk):
    order = _order_or_404(request.user, pk)
    name = (order.number or f"draf-{order.pk}").replace("/", "-")
    return content_response(order_pdf(order), "application/pdf", f"surat-pesanan-{name}.pdf")


# --- Deliveries ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def delivery_create(request, pk):
    order = _buyer_order_or_404(request.user, pk)
    lines = [line for line in selectors.order_lines_with_progress(order) if line.shortfall > 0]
    form = DeliveryForm(request.POST or None, request.FILES or None, lines=lines)
    if (
        request.method == "POST"
        and form.is_valid()
        and perform(
            request,
            services.delivery_record,
            order=order,
            delivered_on=form.cleaned_data["delivered_on"],
            received_by_name=form.cleaned_data["received_by_name"],
            quantities=form.quantities(),
            photo=form.cleaned_data["photo"],
            note=form.cleaned_data["note"],
            success="Penerimaan material dicatat.",
        )
    ):
        return redirect("procurement:order", pk=order.pk)
    return render(request, "procurement/delivery_form.html", {"order": order, "form": form})


@login_required
@require_GET
def delivery_photo(request, pk):
    delivery = Delivery.objects.select_related("order").get_visible_or_404(request.user, pk=pk)
    if not delivery.photo:
        raise Http404
    return file_response(delivery.photo, content_type=delivery.photo_content_type)


delivery_confirm = object_action(
    services.delivery_confirm_by_supplier,
    find=lambda user, pk: Delivery.objects.select_related("order").get_visible_or_404(user, pk=pk),
    param="delivery",
    success="Penerimaan dikonfirmasi toko.",
    then=lambda delivery: reverse("procurement:order", args=[delivery.order_id]),
)


# --- Payments --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def payment_create(request, pk):
    order = _buyer_order_or_404(request.user, pk)
    form = PaymentForm(request.POST or None)
    if (
        request.method == "POST"
        and form.is_valid()
        and perform(
            request,
            services.payment_record,
            order=order,
            **form.cleaned_data,
            success="Pembayaran dicatat.",
        )
    ):
        return redirect("procurement:order", pk=order.pk)
    progress = selectors.order_progress(order)
    return render(
        request,
        "procurement/payment_form.html",
        {"order": order, "form": form, "progress": progress},
    )


# --- BAST ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def handover(request, pk):
    proposal = _proposal_or_404(request.user, pk)
    existing = Handover.objects.filter(proposal=proposal).first()
    form = None
    if existing is None and procurement_rules.may_record_handover(request.user, proposal):
        user = request.user
        form = HandoverForm(
            request.POST or None,
            request.FILES or None,
            initial={
                "place": f"Lokasi kegiatan, {proposal.location_description}",
                "first_party_name": user.get_full_name(),
                "first_party_position": user.position or f"Lurah {proposal.kelurahan.name}",
                "first_party_nip": user.nip,
                "second_party_name": proposal.rt.head_name,
                "second_party_position": (
                    f"Ketua RT {proposal.rt.number:02d} Kelurahan {proposal.kelurahan.name}"
                ),
            },
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            if perform(
                request,
                services.handover_record,
                proposal=proposal,
                handover_date=data["handover_date"],
                place=data["place"],
                first_party_name=data["first_party_name"],
                first_party_position=data["first_party_position"],
                first_party_nip=data["first_party_nip"],
                second_party_name=data["second_party_name"],
                second_party_position=data["second_party_position"],
                condition_note=data["condition_note"],
                signed_on_paper=data["signed_on_paper"],
                paper_scan=data["paper_scan"],
                success="BAST dicatat.",
            ):
                return redirect("procurement:handover", pk=proposal.pk)
    elif request.method == "POST":
        raise Http404
    return render(
        request,
        "procurement/handover.html",
        {
            "proposal": proposal,
            "handover": existing,
            "form": form,
            "items": existing.items if existing else selectors.handover_items(proposal),
            "problems": services.handover_problems(proposal) if existing is None else [],
            "can_confirm": existing is not None
            and procurement_rules.may_confirm_handover(request.user, existing),
        },
    )


@login_required
@require_POST
def handover_confirm(request, pk):
    handover_row = Handover.objects.select_related("proposal").get_visible_or_404(
        request.user, pk=pk
    )
    if not is_confirmed(request) and procurement_rules.may_confirm_handover(
        request.user, handover_row
    ):
        return _confirm_handover(request, handover_row)
    perform(
        request,
        services.handover_confirm_by_rt,
        handover=handover_row,
        success="BAST dikonfirmasi. Material resmi diterima RT.",
    )
    return redirect("procurement:handover", pk=handover_row.proposal_id)


def _confirm_handover(request, handover_row: Handover):
    """The materials the Ketua RT confirms, listed above the button that confirms them."""
    proposal = handover_row.proposal
    back = reverse("procurement:handover", args=[proposal.pk])
    return ask_to_confirm(
        request,
        "procurement/confirm_handover.html",
        Confirmation(
            title="Konfirmasi penerimaan material?",
            action=reverse("procurement:handover_confirm", args=[handover_row.pk]),
            back=back,
            button="Ya, saya menerima material ini",
            consequences=[
                f"Anda, sebagai Ketua RT (pihak kedua), menyatakan telah menerima "
                f"{len(handover_row.items)} jenis material di atas dalam kondisi sebagaimana "
                "tercatat.",
                f"BAST {handover_row.number} menjadi lengkap; PDF-nya disimpan tetap dan tidak "
                "dapat diubah.",
                "Usulan berpindah ke tahap “Material diterima” dan pencatatan pekerjaan dapat "
                "dimulai.",
            ],
        ),
        proposal=proposal,
        handover=handover_row,
        items=handover_row.items,
    )


@login_required
@require_GET
def handover_pdf(request, pk):
    handover_row = Handover.objects.get_visible_or_404(request.user, pk=pk)
    if not handover_row.pdf:
        raise Http404
    return file_response(
        handover_row.pdf,
        content_type="application/pdf",
        filename=f"bast-{handover_row.proposal_id}.pdf",
    )


# --- Public downloads --------------------------------------------------------------------------


@require_GET
def public_index(request):
    return render(
        request, "procurement/public_index.html", {"years": exports.years_with_purchases()}
    )


@require_GET
def public_csv(request, year):
    name = f"pembelian-bangkit-{year}.csv"
    return content_response(exports.kept_csv(year), CSV, name, download=True)


@require_GET
def public_xlsx(request, year):
    name = f"pembelian-bangkit-{year}.xlsx"
    return content_response(exports.kept_xlsx(year), XLSX, name, download=True)


@require_GET
def public_ocds(request, year):
    text = exports.kept_ocds(year, request)
    return content_response(text, "application/json; charset=utf-8", f"ocds-bangkit-{year}.json")
